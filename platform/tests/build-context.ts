// What an image build receives and what its Dockerfile does with it: the files of a build context after the ignore
// rules Tilt reports for it (docker_build's only=, ignore= and the context's .dockerignore), and the COPY, WORKDIR and
// stage structure of a Dockerfile. Used by the Tiltfile test (every COPY source survives, live update targets exist).
import { execFileSync } from 'node:child_process';
import { posix, relative, resolve } from 'node:path';

/** One set of dockerignore patterns and the folder they are relative to (Tilt's v1alpha1.IgnoreDef). */
export interface IgnoreDef {
  basePath: string;
  patterns?: string[];
}

interface Pattern {
  exclusion: boolean;
  regexp: RegExp;
}

/**
 * A dockerignore pattern as a regular expression, the way moby's patternmatcher (which Docker and Tilt use) compiles
 * it: `**` spans any number of folders (none included), `*` and `?` stay inside one path segment.
 */
function compile(raw: string): Pattern {
  let text = raw.trim();
  const exclusion = text.startsWith('!');
  if (exclusion) text = text.slice(1).trim();
  text = posix.normalize(text).replace(/^\/+/, '').replace(/\/+$/, '');
  let re = '^';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '*') {
      if (text[i + 1] === '*') {
        i++;
        if (text[i + 1] === '/') {
          i++;
          re += '(.*/)?';
        } else {
          re += '.*';
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '\\' && i + 1 < text.length) {
      re += `\\${text[++i]}`;
    } else if (c === '[') {
      const end = text.indexOf(']', i);
      re += end > i ? text.slice(i, end + 1) : '\\[';
      i = end > i ? end : i;
    } else {
      re += c.replace(/[.+^${}()|]/g, '\\$&');
    }
  }
  return { exclusion, regexp: new RegExp(`${re}$`) };
}

/** Whether one IgnoreDef excludes a path (relative to its base): the last matching pattern, of the path or a parent, wins. */
function excludedBy(patterns: Pattern[], rel: string): boolean {
  const parts = rel.split('/');
  let excluded = false;
  for (const p of patterns) {
    let hit = p.regexp.test(rel);
    for (let i = 1; !hit && i < parts.length; i++) hit = p.regexp.test(parts.slice(0, i).join('/'));
    if (hit) excluded = !p.exclusion;
  }
  return excluded;
}

/** A predicate: is this absolute path part of the context? Each IgnoreDef applies on its own, as Tilt applies them. */
export function contextFilter(context: string, ignores: IgnoreDef[]): (path: string) => boolean {
  const defs = ignores.map((d) => ({ base: resolve(context, d.basePath), patterns: (d.patterns ?? []).filter((p) => p.trim() && !p.trim().startsWith('#')).map(compile) }));
  return (path: string) => {
    const abs = resolve(context, path);
    if (relative(context, abs).startsWith('..')) return false;
    for (const d of defs) {
      const rel = relative(d.base, abs);
      if (rel.startsWith('..')) continue;
      // An IgnoreDef without patterns ignores its whole base path (Tilt uses it for .git).
      if (d.patterns.length === 0) return false;
      if (rel !== '' && excludedBy(d.patterns, rel)) return false;
    }
    return true;
  };
}

/** Git-tracked files under a folder of the repository (relative to the repository). */
export function trackedFiles(repo: string, folder: string): string[] {
  return execFileSync('git', ['-C', repo, 'ls-files', '-z', '--', folder], { encoding: 'utf8' }).split('\0').filter(Boolean);
}

export interface Copy {
  stage: number;
  from?: string;
  sources: string[];
  dest: string;
  /** The stage's WORKDIR when the COPY ran, for relative destinations. */
  workdir: string;
}

export interface Dockerfile {
  stages: { name?: string; base: string; workdir: string; user?: string }[];
  copies: Copy[];
}

/** The stages, WORKDIRs and COPY/ADD instructions of a Dockerfile (no ARG expansion: ours use none in these). */
export function parseDockerfile(text: string): Dockerfile {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages: Dockerfile['stages'] = [];
  const copies: Copy[] = [];
  for (const line of lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    const op = instruction!.toUpperCase();
    if (op === 'FROM') {
      const asIndex = rest.findIndex((w) => w.toUpperCase() === 'AS');
      const base = rest.filter((w) => !w.startsWith('--'))[0]!;
      const parent = stages.find((s) => s.name === base);
      stages.push({ base, name: asIndex >= 0 ? rest[asIndex + 1] : undefined, workdir: parent?.workdir ?? '/', user: parent?.user });
    } else if (op === 'WORKDIR') {
      const stage = stages.at(-1)!;
      stage.workdir = posix.resolve(stage.workdir, rest.join(' '));
    } else if (op === 'USER') {
      stages.at(-1)!.user = rest.join(' ');
    } else if (op === 'COPY' || op === 'ADD') {
      const flags = rest.filter((w) => w.startsWith('--'));
      const args = rest.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      copies.push({ stage: stages.length - 1, from, sources: args.slice(0, -1), dest: args.at(-1)!, workdir: stages.at(-1)!.workdir });
    }
  }
  return { stages, copies };
}

/** Where a COPY puts a source in its stage's filesystem (absolute). */
export function copyTarget(copy: Copy, source: string): string {
  const dest = posix.resolve(copy.workdir, copy.dest);
  return copy.dest.endsWith('/') && copy.sources.length > 0 && !source.endsWith('/') ? posix.join(dest, posix.basename(source)) : dest;
}
