// Command tiltcheck runs a Tiltfile offline under go.starlark.net, with Tilt's API replaced by recording stubs, and
// prints what it would do as JSON: every API call with its arguments, and every Kubernetes object it would deploy.
//
// There is no tilt binary (or cluster) where the tests run, so this is how platform/tests checks the Tiltfile:
// syntax and resolution with Tilt's dialect options, flags, referenced paths, resource names and dependencies.
// Only `local` commands that render manifests (platform/tools/render.sh) really run; every other command is recorded.
//
// Usage: tiltcheck [-C dir] Tiltfile [-- tilt-args...]   e.g. tiltcheck Tiltfile -- --no-mesh
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
	"gopkg.in/yaml.v3"
)

type call struct {
	Fn     string         `json:"fn"`
	Args   []any          `json:"args"`
	Kwargs map[string]any `json:"kwargs"`
}

type object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Namespace  string `json:"namespace"`
}

type report struct {
	Flags   map[string]any `json:"flags"`
	Calls   []call         `json:"calls"`
	Objects []object       `json:"objects"`
	Warns   []string       `json:"warnings"`
}

// blob mirrors Tilt's Blob: str() gives its content, and k8s_yaml treats it as YAML rather than as a path.
type blob struct{ text string }

func (b blob) String() string        { return b.text }
func (b blob) Type() string          { return "blob" }
func (b blob) Freeze()               {}
func (b blob) Truth() starlark.Bool  { return b.text != "" }
func (b blob) Hash() (uint32, error) { return starlark.String(b.text).Hash() }

var (
	rep           = report{Flags: map[string]any{}, Calls: []call{}, Objects: []object{}, Warns: []string{}}
	tiltArgs      []string
	definedBool   = map[string]bool{}
	definedString = map[string]bool{}
	baseDir       string
)

func toGo(v starlark.Value) any {
	switch x := v.(type) {
	case starlark.NoneType:
		return nil
	case starlark.Bool:
		return bool(x)
	case starlark.Int:
		i, _ := x.Int64()
		return i
	case starlark.Float:
		return float64(x)
	case starlark.String:
		return string(x)
	case blob:
		return x.text
	case *starlark.List:
		out := []any{}
		for i := 0; i < x.Len(); i++ {
			out = append(out, toGo(x.Index(i)))
		}
		return out
	case starlark.Tuple:
		out := []any{}
		for _, e := range x {
			out = append(out, toGo(e))
		}
		return out
	case *starlark.Dict:
		out := map[string]any{}
		for _, item := range x.Items() {
			k, ok := item[0].(starlark.String)
			key := item[0].String()
			if ok {
				key = string(k)
			}
			out[key] = toGo(item[1])
		}
		return out
	default:
		return v.String()
	}
}

func record(name string, args starlark.Tuple, kwargs []starlark.Tuple) *starlark.Dict {
	c := call{Fn: name, Args: []any{}, Kwargs: map[string]any{}}
	for _, a := range args {
		c.Args = append(c.Args, toGo(a))
	}
	for _, kv := range kwargs {
		c.Kwargs[string(kv[0].(starlark.String))] = toGo(kv[1])
	}
	rep.Calls = append(rep.Calls, c)
	d := starlark.NewDict(len(kwargs) + 2)
	_ = d.SetKey(starlark.String("$fn"), starlark.String(name))
	_ = d.SetKey(starlark.String("$args"), starlark.NewList(append([]starlark.Value{}, args...)))
	for _, kv := range kwargs {
		_ = d.SetKey(kv[0], kv[1])
	}
	return d
}

// recorder returns a builtin that only records its call and returns a dict describing it (for sync(), link(), …).
func recorder(name string) *starlark.Builtin {
	return starlark.NewBuiltin(name, func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		return record(name, args, kwargs), nil
	})
}

func recorderNone(name string) *starlark.Builtin {
	return starlark.NewBuiltin(name, func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		record(name, args, kwargs)
		return starlark.None, nil
	})
}

func abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(baseDir, p)
}

func parseDocs(text string) ([]map[string]any, error) {
	dec := yaml.NewDecoder(strings.NewReader(text))
	var docs []map[string]any
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			return nil, err
		}
		if m != nil {
			docs = append(docs, m)
		}
	}
	return docs, nil
}

func encodeDocs(docs []map[string]any) (string, error) {
	var buf bytes.Buffer
	for i, d := range docs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		out, err := yaml.Marshal(d)
		if err != nil {
			return "", err
		}
		buf.Write(out)
	}
	return buf.String(), nil
}

func str(m map[string]any, keys ...string) string {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = mm[k]
	}
	s, _ := cur.(string)
	return s
}

func addObjects(text string) error {
	docs, err := parseDocs(text)
	if err != nil {
		return err
	}
	for _, d := range docs {
		rep.Objects = append(rep.Objects, object{
			APIVersion: str(d, "apiVersion"), Kind: str(d, "kind"),
			Name: str(d, "metadata", "name"), Namespace: str(d, "metadata", "namespace"),
		})
	}
	return nil
}

func builtins() starlark.StringDict {
	b := starlark.StringDict{}
	for _, name := range []string{"sync", "run", "link", "port_forward", "fall_back_on", "initial_sync", "restart_container",
		"probe", "http_get_action", "tcp_socket_action", "exec_action"} {
		b[name] = recorder(name)
	}
	for _, name := range []string{"local_resource", "k8s_resource", "docker_build", "custom_build", "watch_file",
		"version_settings", "update_settings", "allow_k8s_contexts", "ci_settings", "default_registry", "k8s_kind"} {
		b[name] = recorderNone(name)
	}
	b["TRIGGER_MODE_AUTO"] = starlark.MakeInt(0)
	b["TRIGGER_MODE_MANUAL"] = starlark.MakeInt(1)

	b["k8s_context"] = starlark.NewBuiltin("k8s_context", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		return starlark.String("kind-fleetlab"), nil
	})
	b["blob"] = starlark.NewBuiltin("blob", func(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var s string
		if err := starlark.UnpackPositionalArgs(fn.Name(), args, kwargs, 1, &s); err != nil {
			return nil, err
		}
		return blob{s}, nil
	})
	b["fail"] = starlark.NewBuiltin("fail", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		return nil, fmt.Errorf("fail(): %v", toGo(args))
	})
	b["warn"] = starlark.NewBuiltin("warn", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		rep.Warns = append(rep.Warns, fmt.Sprint(toGo(args)))
		return starlark.None, nil
	})
	b["read_file"] = starlark.NewBuiltin("read_file", func(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		record("read_file", args, kwargs)
		var path string
		var def starlark.Value = starlark.None
		if err := starlark.UnpackArgs(fn.Name(), args, kwargs, "file_path", &path, "default?", &def); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(abs(path))
		if err != nil {
			if def != starlark.None {
				return blob{def.String()}, nil
			}
			return nil, err
		}
		return blob{string(data)}, nil
	})
	b["listdir"] = starlark.NewBuiltin("listdir", func(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		record("listdir", args, kwargs)
		var dir string
		var recursive bool
		if err := starlark.UnpackArgs(fn.Name(), args, kwargs, "directory", &dir, "recursive?", &recursive); err != nil {
			return nil, err
		}
		entries, err := os.ReadDir(abs(dir))
		if err != nil {
			return nil, err
		}
		var out []starlark.Value
		for _, e := range entries {
			if !e.IsDir() {
				out = append(out, starlark.String(filepath.Join(abs(dir), e.Name())))
			}
		}
		return starlark.NewList(out), nil
	})
	b["local"] = starlark.NewBuiltin("local", func(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		record("local", args, kwargs)
		if len(args) < 1 {
			return nil, fmt.Errorf("local: missing command")
		}
		cmd, ok := args[0].(starlark.String)
		if !ok || !strings.HasPrefix(string(cmd), "platform/tools/render.sh") {
			return blob{""}, nil
		}
		c := exec.Command("bash", "-c", string(cmd))
		c.Dir = baseDir
		var stderr bytes.Buffer
		c.Stderr = &stderr
		out, err := c.Output()
		if err != nil {
			return nil, fmt.Errorf("local(%q): %v: %s", string(cmd), err, stderr.String())
		}
		return blob{string(out)}, nil
	})
	b["k8s_yaml"] = starlark.NewBuiltin("k8s_yaml", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		record("k8s_yaml", args, kwargs)
		var items []starlark.Value
		if l, ok := args[0].(*starlark.List); ok {
			for i := 0; i < l.Len(); i++ {
				items = append(items, l.Index(i))
			}
		} else {
			items = []starlark.Value{args[0]}
		}
		for _, it := range items {
			text := ""
			switch x := it.(type) {
			case blob:
				text = x.text
			case starlark.String:
				data, err := os.ReadFile(abs(string(x)))
				if err != nil {
					return nil, fmt.Errorf("k8s_yaml: %v", err)
				}
				text = string(data)
			default:
				return nil, fmt.Errorf("k8s_yaml: unexpected %s", it.Type())
			}
			if err := addObjects(text); err != nil {
				return nil, fmt.Errorf("k8s_yaml: %v", err)
			}
		}
		return starlark.None, nil
	})
	b["filter_yaml"] = starlark.NewBuiltin("filter_yaml", func(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		record("filter_yaml", args, kwargs)
		var src starlark.Value
		var labels *starlark.Dict
		var name, namespace, kind, apiVersion string
		if err := starlark.UnpackArgs(fn.Name(), args, kwargs, "yaml", &src, "labels?", &labels, "name?", &name,
			"namespace?", &namespace, "kind?", &kind, "api_version?", &apiVersion); err != nil {
			return nil, err
		}
		docs, err := parseDocs(src.String())
		if err != nil {
			return nil, err
		}
		// Tilt matches name, namespace, kind and api_version as case-insensitive regular expressions.
		match := func(pattern, value string) (bool, error) {
			if pattern == "" {
				return true, nil
			}
			re, err := regexp.Compile("(?i)" + pattern)
			if err != nil {
				return false, err
			}
			return re.MatchString(value), nil
		}
		var in, out []map[string]any
		for _, d := range docs {
			ok := true
			for _, pv := range [][2]string{{name, str(d, "metadata", "name")}, {namespace, str(d, "metadata", "namespace")},
				{kind, str(d, "kind")}, {apiVersion, str(d, "apiVersion")}} {
				m, err := match(pv[0], pv[1])
				if err != nil {
					return nil, err
				}
				ok = ok && m
			}
			if labels != nil {
				for _, item := range labels.Items() {
					k, _ := starlark.AsString(item[0])
					v, _ := starlark.AsString(item[1])
					ok = ok && str(d, "metadata", "labels", k) == v
				}
			}
			if ok {
				in = append(in, d)
			} else {
				out = append(out, d)
			}
		}
		a, err := encodeDocs(in)
		if err != nil {
			return nil, err
		}
		r, err := encodeDocs(out)
		if err != nil {
			return nil, err
		}
		return starlark.Tuple{blob{a}, blob{r}}, nil
	})
	b["encode_yaml"] = starlark.NewBuiltin("encode_yaml", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		out, err := yaml.Marshal(toGo(args[0]))
		if err != nil {
			return nil, err
		}
		return blob{string(out)}, nil
	})
	b["encode_json"] = starlark.NewBuiltin("encode_json", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		out, err := json.Marshal(toGo(args[0]))
		if err != nil {
			return nil, err
		}
		return blob{string(out)}, nil
	})

	// config: flags after `--`, like `tilt up -- --no-mesh`; an undefined flag is an error, as in Tilt.
	b["config"] = &starlarkstruct.Module{Name: "config", Members: starlark.StringDict{
		"define_bool": starlark.NewBuiltin("define_bool", func(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			record("config.define_bool", args, kwargs)
			var name, usage string
			var positional bool
			if err := starlark.UnpackArgs(fn.Name(), args, kwargs, "name", &name, "args?", &positional, "usage?", &usage); err != nil {
				return nil, err
			}
			definedBool[name] = true
			return starlark.None, nil
		}),
		"define_string": starlark.NewBuiltin("define_string", func(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			record("config.define_string", args, kwargs)
			var name, usage string
			var positional bool
			if err := starlark.UnpackArgs(fn.Name(), args, kwargs, "name", &name, "args?", &positional, "usage?", &usage); err != nil {
				return nil, err
			}
			definedString[name] = true
			return starlark.None, nil
		}),
		"define_string_list":    recorderNone("config.define_string_list"),
		"set_enabled_resources": recorderNone("config.set_enabled_resources"),
		// Flags as Tilt takes them: --flag or --flag=true|false for a bool, --flag=value or --flag value for a string.
		"parse": starlark.NewBuiltin("parse", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			d := starlark.NewDict(len(tiltArgs))
			for i := 0; i < len(tiltArgs); i++ {
				name, value, hasValue := strings.Cut(strings.TrimPrefix(tiltArgs[i], "--"), "=")
				switch {
				case definedBool[name]:
					val := !hasValue || value == "true"
					rep.Flags[name] = val
					_ = d.SetKey(starlark.String(name), starlark.Bool(val))
				case definedString[name]:
					if !hasValue {
						if i+1 >= len(tiltArgs) {
							return nil, fmt.Errorf("config.parse: flag --%s needs a value", name)
						}
						i++
						value = tiltArgs[i]
					}
					rep.Flags[name] = value
					_ = d.SetKey(starlark.String(name), starlark.String(value))
				default:
					return nil, fmt.Errorf("config.parse: unknown flag --%s", name)
				}
			}
			return d, nil
		}),
	}}

	b["os"] = &starlarkstruct.Module{Name: "os", Members: starlark.StringDict{
		"getcwd": starlark.NewBuiltin("getcwd", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			return starlark.String(baseDir), nil
		}),
		"getenv": starlark.NewBuiltin("getenv", func(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var key string
			var def starlark.Value = starlark.None
			if err := starlark.UnpackArgs(fn.Name(), args, kwargs, "key", &key, "default?", &def); err != nil {
				return nil, err
			}
			if v, ok := os.LookupEnv(key); ok {
				return starlark.String(v), nil
			}
			return def, nil
		}),
		"path": &starlarkstruct.Module{Name: "os.path", Members: starlark.StringDict{
			"exists": starlark.NewBuiltin("exists", func(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
				record("os.path.exists", args, kwargs)
				var p string
				if err := starlark.UnpackPositionalArgs(fn.Name(), args, kwargs, 1, &p); err != nil {
					return nil, err
				}
				_, err := os.Stat(abs(p))
				return starlark.Bool(err == nil), nil
			}),
			"join": starlark.NewBuiltin("join", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
				parts := []string{}
				for _, a := range args {
					s, _ := starlark.AsString(a)
					parts = append(parts, s)
				}
				return starlark.String(filepath.Join(parts...)), nil
			}),
			"basename": starlark.NewBuiltin("basename", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
				s, _ := starlark.AsString(args[0])
				return starlark.String(filepath.Base(s)), nil
			}),
			"dirname": starlark.NewBuiltin("dirname", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
				s, _ := starlark.AsString(args[0])
				return starlark.String(filepath.Dir(s)), nil
			}),
			"abspath": starlark.NewBuiltin("abspath", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
				s, _ := starlark.AsString(args[0])
				return starlark.String(abs(s)), nil
			}),
		}},
	}}
	return b
}

func main() {
	dir := flag.String("C", ".", "directory the Tiltfile's relative paths start from")
	flag.Parse()
	rest := flag.Args()
	if len(rest) < 1 {
		fmt.Fprintln(os.Stderr, "usage: tiltcheck [-C dir] Tiltfile [-- tilt-args...]")
		os.Exit(2)
	}
	file := rest[0]
	for i, a := range rest[1:] {
		if a == "--" {
			tiltArgs = rest[i+2:]
			break
		}
	}
	var err error
	baseDir, err = filepath.Abs(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	src, err := os.ReadFile(abs(file))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	thread := &starlark.Thread{
		Name:  "tiltcheck",
		Print: func(_ *starlark.Thread, msg string) { fmt.Fprintln(os.Stderr, msg) },
		Load: func(_ *starlark.Thread, module string) (starlark.StringDict, error) {
			return nil, fmt.Errorf("load(%q): extensions need the network; the Tiltfile must not load any", module)
		},
	}
	// Tilt's dialect: top-level if/for, while, sets, global reassignment and recursion are allowed.
	opts := &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}
	if _, err := starlark.ExecFileOptions(opts, thread, file, src, builtins()); err != nil {
		if evalErr, ok := err.(*starlark.EvalError); ok {
			fmt.Fprintln(os.Stderr, evalErr.Backtrace())
		} else {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(1)
	}
	sort.SliceStable(rep.Objects, func(i, j int) bool {
		return rep.Objects[i].Kind+rep.Objects[i].Name < rep.Objects[j].Kind+rep.Objects[j].Name
	})
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
