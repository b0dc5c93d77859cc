import { existsSync, mkdirSync, renameSync, rmSync, cpSync, writeFileSync, chmodSync, readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { cacheDir, localDir, versions } from './paths';
import { run } from './process';
import type { Progress } from './progress';

export interface Installed {
  /** Classpath glob for the Kafka broker jars. */
  kafkaClasspath: string;
  ferretdb: string;
  jaeger: string;
  prometheus: string;
  java: string;
  toxiproxy: string;
}

function which(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function requireTool(command: string, hint: string): string {
  const path = which(command);
  if (!path) throw new Error(`${command} is not installed: ${hint}`);
  return path;
}

/** Builds into a temporary path and renames at the end, so an interrupted install never leaves a half artefact. */
async function atomically(target: string, build: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${target}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    await build(tmp);
    rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function ensureKafka(cache: string, progress: Progress): Promise<string> {
  const dir = join(cache, `kafka-${versions.kafka}`);
  if (!existsSync(join(dir, 'libs'))) {
    const mvn = requireTool('mvn', 'install Maven (Debian: apt-get install maven)');
    progress.step(`resolving Apache Kafka ${versions.kafka} jars from Maven Central (once) → ${dir}`);
    await atomically(dir, async (tmp) => {
      await run(mvn, ['-B', '-q', '-f', join(localDir, 'kafka', 'pom.xml'), 'dependency:copy-dependencies',
        `-DoutputDirectory=${join(tmp, 'libs')}`, '-DincludeScope=runtime'], { logFile: join(cache, 'logs', 'install-kafka.log') });
      if (!readdirSync(join(tmp, 'libs')).some((f) => f.startsWith('kafka_2.13-'))) {
        throw new Error('Maven resolved no kafka_2.13 jar');
      }
    });
    progress.done(`Kafka ${versions.kafka} installed`);
  }
  return `${join(dir, 'libs')}/*`;
}

/**
 * Two fixes to FerretDB 1.24's SQLite backend, without which every find, update and delete by `_id` scans the
 * whole table (30 ms per update at 10,000 documents), measured in docs/local-lab.md:
 * - it indexes `_id` as `_ferretdb_sjson->"_id"` but looks it up as `_ferretdb_sjson->'$._id'`, and SQLite uses
 *   an index only for the expression it was built on;
 * - it pushes `_id` down only when the filter has no other field. Every caller filters the documents returned
 *   again with the whole filter, so narrowing by `_id` first is safe with more fields too (a conditional update).
 */
export const ferretdbPatches = [
  {
    file: 'internal/backends/sqlite/metadata/metadata.go',
    from: `IDColumn = DefaultColumn + "->'$._id'"`,
    to: `IDColumn = DefaultColumn + "->'_id'"`,
    count: 1,
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    from: 'if params.Filter.Len() == 1 {',
    to: 'if params.Filter.Len() > 0 {',
    count: 2, // Query and Explain
  },
] as const;

/** Applies ferretdbPatches to a source copy; fails if the source is not what they were written for. */
export function patchFerretdb(src: string): void {
  for (const patch of ferretdbPatches) {
    const path = join(src, patch.file);
    const text = readFileSync(path, 'utf8');
    const found = text.split(patch.from).length - 1;
    if (found !== patch.count) {
      throw new Error(`FerretDB source is not what fleetlab patches: ${patch.file} has ${patch.from} ${found} times, not ${patch.count}`);
    }
    chmodSync(path, 0o644);
    writeFileSync(path, text.replaceAll(patch.from, patch.to));
  }
}

async function ensureFerretdb(cache: string, progress: Progress): Promise<string> {
  // The suffix names the patch level, so a binary built without the patches is rebuilt rather than reused.
  const binary = join(cache, 'bin', `ferretdb-${versions.ferretdb}-fleetlab${ferretdbPatches.length}`);
  if (!existsSync(binary)) {
    const go = requireTool('go', 'install Go 1.24 or newer');
    const logFile = join(cache, 'logs', 'install-ferretdb.log');
    progress.step(`building FerretDB ${versions.ferretdb} from the Go module proxy (once, about a minute) → ${binary}`);
    mkdirSync(join(cache, 'bin'), { recursive: true });
    const env = { ...process.env, GOFLAGS: '-buildvcs=false' };
    const moduleDir = execFileSync(go, ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${versions.ferretdb}`], { encoding: 'utf8', env });
    const source = (JSON.parse(moduleDir) as { Dir: string }).Dir;
    await atomically(binary, async (tmp) => {
      const src = `${tmp}-src`;
      try {
        // The module zip ships an empty build/version/version.txt, and FerretDB refuses to start without a version
        // in it; a plain `go install` builds a binary that panics at start. So build from a copy with the file set.
        cpSync(source, src, { recursive: true });
        chmodSync(join(src, 'build', 'version'), 0o755);
        writeFileSync(join(src, 'build', 'version', 'version.txt'), `${versions.ferretdb}\n`, { mode: 0o644 });
        patchFerretdb(src);
        await run(go, ['build', '-trimpath', '-o', tmp, './cmd/ferretdb'], { cwd: src, env, logFile });
      } finally {
        execFileSync('chmod', ['-R', 'u+w', src], { stdio: 'ignore' });
        rmSync(src, { recursive: true, force: true });
      }
    });
    progress.done(`FerretDB ${versions.ferretdb} built`);
  }
  return binary;
}

async function ensureJaeger(cache: string, progress: Progress): Promise<string> {
  const binary = join(cache, 'bin', `jaeger-${versions.jaeger}`);
  if (!existsSync(binary)) {
    const go = requireTool('go', 'install Go 1.24 or newer');
    progress.step(`building Jaeger ${versions.jaeger} from the Go module proxy (once, several minutes on 2 cores) → ${binary}`);
    mkdirSync(join(cache, 'bin'), { recursive: true });
    await atomically(binary, (tmp) =>
      run(go, ['build', '-trimpath', '-o', tmp, 'github.com/jaegertracing/jaeger/cmd/jaeger'], {
        cwd: join(localDir, 'tools'),
        env: { ...process.env, GOFLAGS: '-buildvcs=false' },
        logFile: join(cache, 'logs', 'install-jaeger.log'),
      }),
    );
    progress.done(`Jaeger ${versions.jaeger} built`);
  }
  return binary;
}

/** toxiproxy's server, built from the Go module proxy at its pinned version (`go install` of a tagged module). */
export async function ensureToxiproxy(cache: string, progress: Progress): Promise<string> {
  const binary = join(cache, 'bin', `toxiproxy-${versions.toxiproxy}`);
  if (!existsSync(binary)) {
    const go = requireTool('go', 'install Go 1.24 or newer');
    progress.step(`building toxiproxy ${versions.toxiproxy} from the Go module proxy (once, about a minute) → ${binary}`);
    mkdirSync(join(cache, 'bin'), { recursive: true });
    await atomically(binary, async (tmp) => {
      const gobin = `${tmp}-gobin`;
      try {
        await run(go, ['install', '-trimpath', `github.com/Shopify/toxiproxy/v2/cmd/server@${versions.toxiproxy}`], {
          env: { ...process.env, GOBIN: gobin, GOFLAGS: '-buildvcs=false' },
          logFile: join(cache, 'logs', 'install-toxiproxy.log'),
        });
        renameSync(join(gobin, 'server'), tmp);
      } finally {
        rmSync(gobin, { recursive: true, force: true });
      }
    });
    progress.done(`toxiproxy ${versions.toxiproxy} built`);
  }
  return binary;
}

/** Installs what is missing into the cache and returns where everything is. Idempotent and quick once done. */
export async function ensureInfrastructure(progress: Progress): Promise<Installed> {
  const cache = cacheDir();
  mkdirSync(cache, { recursive: true });
  const java = requireTool('java', 'install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless)');
  const prometheus = requireTool('prometheus', 'install Prometheus (Debian: apt-get install prometheus)');
  const kafkaClasspath = await ensureKafka(cache, progress);
  const ferretdb = await ensureFerretdb(cache, progress);
  const jaeger = await ensureJaeger(cache, progress);
  const toxiproxy = await ensureToxiproxy(cache, progress);
  return { kafkaClasspath, ferretdb, jaeger, prometheus, java, toxiproxy };
}
