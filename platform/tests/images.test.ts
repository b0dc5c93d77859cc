// The Dockerfiles: multi-stage, one workspace each, pinned bases, a non-root runtime, and only files that exist;
// plus the root .dockerignore. No container engine here, so this reads them rather than building them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseObjects, render, REPO } from './lib.js';

const read = (path: string) => readFileSync(join(REPO, path), 'utf8');

interface Instruction { op: string; args: string }
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ op: l.split(/\s+/)[0]!.toUpperCase(), args: l.slice(l.split(/\s+/)[0]!.length).trim() }));
}

interface Stage {
  name: string | undefined;
  /** The image or stage it starts FROM. */
  base: string;
  ins: Instruction[];
}

/** The stages of a Dockerfile, each with its own instructions. */
function stages(text: string): Stage[] {
  const out: Stage[] = [];
  for (const i of instructions(text)) {
    if (i.op === 'FROM') out.push({ base: i.args.split(/\s+/)[0]!, name: i.args.match(/\bAS\s+(\S+)/i)?.[1], ins: [] });
    else out.at(-1)?.ins.push(i);
  }
  return out;
}

/** A stage and the stages it is built FROM, the stage itself first. */
function lineage(all: Stage[], stage: Stage): Stage[] {
  const parent = all.find((s) => s.name === stage.base);
  return parent ? [stage, ...lineage(all, parent)] : [stage];
}

/** The words of every `<tool> <verb>` command the RUN instructions of a stage (and its parents) run. */
function commands(all: Stage[], stage: Stage, tool: string, verb: string): string[][] {
  return lineage(all, stage)
    .flatMap((s) => s.ins.filter((i) => i.op === 'RUN'))
    .flatMap((i) => i.args.split(/&&|;/))
    .map((c) => c.trim().split(/\s+/))
    .filter((w) => w[0] === tool && w[1] === verb)
    .map((w) => w.slice(2));
}

/** The value of a `--flag value` or `--flag=value` option in a command's words (every one of them). */
function optionValues(words: string[], flag: string): string[] {
  return words.flatMap((w, k) => (w === flag ? [words[k + 1]!] : w.startsWith(`${flag}=`) ? [w.slice(flag.length + 1)] : []));
}

interface Copy { from: string | undefined; sources: string[]; dest: string }
function copies(stage: Stage): Copy[] {
  return stage.ins
    .filter((i) => i.op === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const paths = words.filter((w) => !w.startsWith('--'));
      return { from: optionValues(words, '--from')[0], sources: paths.slice(0, -1), dest: paths.at(-1)! };
    });
}

/** Where a path lands in a stage, given the WORKDIR in force (the last one of the stage, which is what CMD runs in). */
function workdir(stage: Stage, before = stage.ins.length): string {
  return stage.ins.slice(0, before).filter((i) => i.op === 'WORKDIR').reduce((dir, i) => posix.resolve(dir, i.args), '/');
}

/** The npm workspaces of the root package.json, expanded to the folders that hold a package.json. */
function workspaces(): string[] {
  const globs: string[] = JSON.parse(read('package.json')).workspaces;
  return globs.flatMap((g) =>
    g.endsWith('/*')
      ? readdirSync(join(REPO, g.slice(0, -2)), { withFileTypes: true })
          .filter((e) => e.isDirectory() && existsSync(join(REPO, g.slice(0, -2), e.name, 'package.json')))
          .map((e) => `${g.slice(0, -2)}/${e.name}`)
      : [g],
  );
}

const SERVICES = { api: 3000, simulator: 3001, consumer: 3002 } as const;
const DOCKERFILES = ['services/api/Dockerfile', 'services/simulator/Dockerfile', 'services/consumer/Dockerfile', 'web/Dockerfile', 'platform/components/connect/Dockerfile'];

describe('Dockerfiles', () => {
  for (const file of DOCKERFILES) {
    it(`${file}: pinned bases, non-root final stage, every copied path exists`, () => {
      const ins = instructions(read(file));
      expect(read(file).split('\n')[0], 'first line says the file\'s role').toMatch(/^# /);
      const stages = ins.filter((i) => i.op === 'FROM').map((i) => i.args.match(/\bAS\s+(\S+)/i)?.[1]).filter(Boolean);
      const froms = ins.filter((i) => i.op === 'FROM').map((i) => i.args.split(/\s+/)[0]!);
      for (const image of froms.filter((f) => !stages.includes(f))) expect(image, `${file}: FROM ${image}`).toMatch(/:[\w.-]*\d[\w.-]*$/);
      const lastFrom = ins.map((i) => i.op).lastIndexOf('FROM');
      const user = ins.slice(lastFrom).filter((i) => i.op === 'USER').at(-1)?.args;
      expect(user, `${file}: USER of the final stage`).toBeDefined();
      expect(['root', '0', '0:0']).not.toContain(user);
      for (const i of ins.filter((i) => i.op === 'COPY' && !/--from=/.test(i.args))) {
        const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
        for (const src of parts.slice(0, -1)) {
          const context = file.startsWith('platform/components/connect') ? 'platform/components/connect' : '.';
          expect(existsSync(join(REPO, context, src)), `${file}: COPY ${src}`).toBe(true);
        }
      }
      for (const i of ins.filter((i) => i.op === 'COPY' && /--from=/.test(i.args))) {
        expect(stages, `${file}: COPY ${i.args}`).toContain(i.args.match(/--from=(\S+)/)![1]);
      }
    });
  }

  for (const [name, port] of Object.entries(SERVICES)) {
    it(`services/${name}/Dockerfile installs and builds only its workspace and starts with the telemetry preload`, () => {
      const all = stages(read(`services/${name}/Dockerfile`));
      const final = all.at(-1)!;
      const finalCopies = copies(final);
      // The runtime's node_modules come from a stage that installs this workspace's production dependencies alone.
      const modules = finalCopies.find((c) => c.sources.some((s) => s.endsWith('/node_modules')));
      expect(modules?.from, 'the final stage copies node_modules from a build stage').toBeDefined();
      const deps = all.find((s) => s.name === modules!.from)!;
      const depsInstalls = commands(all, deps, 'npm', 'ci');
      expect(depsInstalls, `the ${deps.name} stage runs npm ci once`).toHaveLength(1);
      expect(optionValues(depsInstalls[0]!, '--workspace'), 'npm ci of the runtime: only this workspace').toEqual([name]);
      expect(depsInstalls[0]).toContain('--omit=dev');
      expect(optionValues(depsInstalls[0]!, '--include-workspace-root'), 'npm ci of the runtime: not the root tools').toEqual(['false']);
      // The service's dist comes from a stage that installs and compiles this workspace alone.
      const dist = finalCopies.find((c) => c.sources.some((s) => s.endsWith(`services/${name}/dist`)));
      expect(dist?.from, `the final stage copies services/${name}/dist from a build stage`).toBeDefined();
      const build = all.find((s) => s.name === dist!.from)!;
      expect(commands(all, build, 'npm', 'ci').flatMap((w) => optionValues(w, '--workspace'))).toEqual([name]);
      expect(commands(all, build, 'npx', 'tsc').map((w) => w.filter((x) => !x.startsWith('-')))).toEqual([[`services/${name}`]]);
      // It starts as `node -r @fleetlab/telemetry/register <main>`, and <main> is the compiled entry point copied in.
      const cmd = final.ins.filter((i) => i.op === 'CMD').at(-1);
      const argv = JSON.parse(cmd!.args) as string[];
      expect(argv[0]).toBe('node');
      expect(argv[argv.indexOf('-r') + 1], 'the telemetry preload').toBe('@fleetlab/telemetry/register');
      const main = posix.resolve(workdir(final), argv.at(-1)!);
      const distDir = posix.resolve(workdir(final, final.ins.indexOf(final.ins.find((i) => i.op === 'COPY' && i.args.includes(`services/${name}/dist`))!)), dist!.dest);
      expect(main.startsWith(`${distDir}/`), `${main} lies in the copied ${distDir}`).toBe(true);
      expect(main).toBe(posix.join(distDir, 'main.js'));
      // It listens where the Deployment and the image say, as the node user (uid 1000 of the official node image).
      expect(final.ins.filter((i) => i.op === 'EXPOSE').map((i) => Number(i.args))).toEqual([port]);
      expect(final.ins.find((i) => i.op === 'ENV')?.args).toMatch(new RegExp(`\\bPORT=${port}\\b`));
      expect(final.base).toMatch(/^node:\d+-/);
      expect(final.ins.filter((i) => i.op === 'USER').at(-1)?.args).toBe('node');
      const deployment = parseObjects(render([])).find((o) => o.kind === 'Deployment' && o.metadata.name === name)!;
      expect(deployment.spec.template.spec.containers[0].ports[0].containerPort).toBe(port);
      expect(deployment.spec.template.spec.securityContext.runAsUser).toBe(1000);
    }, 60_000);
  }

  it('every Dockerfile that runs npm ci copies the manifest of every workspace (npm ci checks them all)', () => {
    expect(workspaces().length).toBeGreaterThanOrEqual(8);
    for (const file of DOCKERFILES) {
      const all = stages(read(file));
      for (const stage of all.filter((s) => commands(all, s, 'npm', 'ci').length > 0)) {
        // Where each copied file lands, following WORKDIR from the first stage of the lineage down.
        const landed = new Set<string>();
        let dir = '/';
        for (const s of lineage(all, stage).reverse()) {
          for (const i of s.ins) {
            if (i.op === 'WORKDIR') dir = posix.resolve(dir, i.args);
            if (i.op !== 'COPY' || /--from=/.test(i.args)) continue;
            const paths = i.args.split(/\s+/).filter((w) => !w.startsWith('--'));
            const dest = posix.resolve(dir, paths.at(-1)!);
            for (const src of paths.slice(0, -1)) landed.add(paths.at(-1)!.endsWith('/') || paths.length > 2 ? posix.join(dest, posix.basename(src)) : dest);
          }
        }
        for (const ws of workspaces()) {
          expect(landed.has(posix.join(dir, ws, 'package.json')), `${file} (${stage.name}): ${ws}/package.json at ${dir}/${ws}`).toBe(true);
        }
      }
    }
  });

  it('web/Dockerfile builds the app with vite and serves dist from nginx-unprivileged on 8080', () => {
    const all = stages(read('web/Dockerfile'));
    const final = all.at(-1)!;
    expect(final.base).toMatch(/^nginxinc\/nginx-unprivileged:/);
    const dist = copies(final).find((c) => c.sources.includes('/repo/web/dist'));
    expect(dist?.from, 'the final stage copies web/dist from a build stage').toBeDefined();
    const build = all.find((s) => s.name === dist!.from)!;
    const builds = commands(all, build, 'npm', 'run').filter((w) => w[0] === 'build');
    expect(builds.map((w) => optionValues(w, '--workspace'))).toEqual([['web']]);
    expect(JSON.parse(read('web/package.json')).scripts.build).toMatch(/^vite build\b/);
    const nginx = read('platform/base/web/nginx.conf');
    expect(nginx.match(/^\s*root\s+([^;]+);/m)?.[1], 'nginx serves what the image copied').toBe(dist!.dest);
    expect(nginx.match(/^\s*listen\s+(\d+);/m)?.[1]).toBe('8080');
  });

  it('.dockerignore keeps local state out of every build context', () => {
    const lines = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['**/node_modules', '.git', '**/*.tsbuildinfo', 'web/dist', '.lab']) expect(lines).toContain(entry);
    // services/*/dist must stay: Tilt's live update syncs it.
    expect(lines.some((l) => /^services\/|^\*\*\/dist$|^dist$/.test(l))).toBe(false);
  });
});
