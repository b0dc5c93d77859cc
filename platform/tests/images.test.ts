// The Dockerfiles: multi-stage, one workspace each, pinned bases, a non-root runtime, and only files that exist;
// plus the root .dockerignore. No container engine here, so this reads them rather than building them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
      const text = read(`services/${name}/Dockerfile`);
      // The runtime's node_modules: production dependencies of this workspace only; the build stage has everything.
      expect(text).toContain(`npm ci --omit=dev --workspace ${name} --include-workspace-root=false`);
      expect(text).toContain('COPY --from=deps --chown=root:root /repo/node_modules node_modules');
      expect(text).toMatch(new RegExp(`npm ci --workspace ${name} --include-workspace-root `));
      expect(text).toMatch(new RegExp(`npx tsc -b services/${name}\\b`));
      expect(text).toMatch(/^FROM node:20-bookworm-slim$/m);
      expect(text).toContain('CMD ["node", "-r", "@fleetlab/telemetry/register", "dist/main.js"]');
      expect(text).toContain(`WORKDIR /app/services/${name}`);
      expect(text).toMatch(new RegExp(`EXPOSE ${port}\\b`));
      // Every workspace's manifest, or npm ci refuses the lockfile.
      for (const ws of workspaces()) {
        expect(text).toContain(`COPY ${ws}/package.json ${ws}/`);
      }
      const deployment = parseObjects(render([])).find((o) => o.kind === 'Deployment' && o.metadata.name === name)!;
      expect(deployment.spec.template.spec.containers[0].ports[0].containerPort).toBe(port);
      expect(deployment.spec.template.spec.securityContext.runAsUser).toBe(1000); // node in node:20-bookworm-slim
    }, 60_000);
  }

  it('every Dockerfile that runs npm ci copies the manifest of every workspace (npm ci checks them all)', () => {
    expect(workspaces().length).toBeGreaterThanOrEqual(8);
    for (const file of DOCKERFILES.filter((f) => read(f).includes('npm ci'))) {
      for (const ws of workspaces()) expect(read(file), `${file}: ${ws}/package.json`).toContain(`COPY ${ws}/package.json ${ws}/`);
    }
  });

  it('web/Dockerfile builds the app with vite and serves dist from nginx-unprivileged on 8080', () => {
    const text = read('web/Dockerfile');
    expect(text).toMatch(/npm ci --workspace web /);
    expect(text).toMatch(/npm run build --workspace web/);
    expect(text).toMatch(/FROM nginxinc\/nginx-unprivileged:[\d.]+-alpine/);
    expect(text).toContain('/repo/web/dist /usr/share/nginx/html');
    expect(read('platform/base/web/nginx.conf')).toMatch(/listen 8080;/);
  });

  it('.dockerignore keeps local state out of every build context', () => {
    const lines = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['**/node_modules', '.git', '**/*.tsbuildinfo', 'web/dist', '.lab']) expect(lines).toContain(entry);
    // services/*/dist must stay: Tilt's live update syncs it.
    expect(lines.some((l) => /^services\/|^\*\*\/dist$|^dist$/.test(l))).toBe(false);
  });
});
