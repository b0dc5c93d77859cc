// A real Kubernetes API server for tests: etcd and kube-apiserver from the cache, on free 127.0.0.1 ports, in a temp dir.
// No controller-manager, scheduler or kubelet runs: objects are stored and admitted (validation, CRD schemas and CEL
// rules, Pod Security, RBAC), never reconciled or run. Usage (one per test file):
//   const server = await startApiServer();   … server.kubeConfig(), server.request(…) …   await server.stop();
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { cacheDir } from '../../local/src/paths';

export const K8S_BIN = join(cacheDir(), 'k8s-tools', 'bin');
const INSTALL_HINT = 'run `npm run tools` (platform/tests/install-tools.sh builds kube-apiserver and etcd into the cache once)';

export interface ApiServerOptions {
  /** Extra users beside the admin (system:masters): each gets a token; for testing RBAC of a tool's own role. */
  users?: { name: string; groups?: string[] }[];
  /** How long to wait for /readyz (default 90 s: the first start on a busy 2-core machine takes ~10 s). */
  readyTimeoutMs?: number;
  /** Keep the temp dir (etcd data, logs, certificates) after stop(); also FLEETLAB_KEEP_APISERVER=1. */
  keep?: boolean;
}

export interface ApiResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** The server's `Warning` headers (Pod Security warn, deprecated APIs, unknown fields…): client-node drops them. */
  warnings: string[];
}

export interface ApiServer {
  /** https://127.0.0.1:<port> */
  url: string;
  /** The admin's bearer token (group system:masters). */
  token: string;
  /** Tokens of `options.users`, by name. */
  tokens: Record<string, string>;
  /** A kubeconfig file for the admin (kubectl --kubeconfig, KUBECONFIG, client-node's loadFromFile). */
  kubeconfig: string;
  /** PEM of the CA that signed the serving certificate. */
  ca: string;
  /** The temp dir: etcd data, certificates, keys, logs. */
  dir: string;
  logs: { etcd: string; apiserver: string };
  /** A client-node KubeConfig for the admin. */
  kubeConfig(): Promise<k8s.KubeConfig>;
  /** A raw request as the admin (or `as` a user of options.users); JSON bodies; never throws on an HTTP status. */
  request(method: string, path: string, body?: unknown, contentType?: string, as?: string): Promise<ApiResponse>;
  /** Kills kube-apiserver and etcd and removes the temp dir (unless kept). Safe to call twice. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the OS picks; the tiny race with another process is acceptable in tests). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function binary(name: 'kube-apiserver' | 'etcd'): string {
  const path = join(K8S_BIN, name);
  if (!existsSync(path)) throw new Error(`${name} is missing at ${path}: ${INSTALL_HINT}`);
  return path;
}

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const children = new Set<ChildProcess>();
// A test runner that exits without afterAll (crash, Ctrl-C) must not leave an API server behind.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function startProcess(cmd: string, args: string[], log: string): ChildProcess {
  const out = createWriteStream(log);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function rawRequest(
  url: string,
  ca: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = httpsRequest(
      new URL(path, url),
      {
        method,
        ca,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }),
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // /readyz and friends answer text.
          }
          const warning = res.headers.warning;
          const warnings = (Array.isArray(warning) ? warning : warning ? [warning] : []).flatMap(splitWarnings);
          resolve({ status: res.statusCode ?? 0, body: parsed, warnings });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Node joins repeated `Warning` headers with ", "; each is `299 - "text"` (RFC 7234), so split on that shape. */
function splitWarnings(header: string): string[] {
  const out: string[] = [];
  const re = /(\d{3}) (\S+) "((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(header); m; m = re.exec(header)) out.push((m[3] ?? '').replace(/\\(.)/g, '$1'));
  return out.length > 0 ? out : [header];
}

/** Starts etcd and kube-apiserver; resolves once /readyz answers 200. On failure, throws with both logs' tails. */
export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const etcdBin = binary('etcd');
  const apiserverBin = binary('kube-apiserver');
  const dir = mkdtempSync(join(tmpdir(), 'fleetlab-apiserver-'));
  const logs = { etcd: join(dir, 'etcd.log'), apiserver: join(dir, 'kube-apiserver.log') };
  const keep = options.keep ?? process.env.FLEETLAB_KEEP_APISERVER === '1';

  // Credentials made at start: static tokens (admin in system:masters) and the service-account key pair.
  const token = randomBytes(24).toString('hex');
  const tokens: Record<string, string> = {};
  const rows = [`${token},admin,admin,system:masters`];
  for (const user of options.users ?? []) {
    tokens[user.name] = randomBytes(24).toString('hex');
    rows.push(`${tokens[user.name]},${user.name},${user.name},"${(user.groups ?? []).join(',')}"`);
  }
  writeFileSync(join(dir, 'tokens.csv'), `${rows.join('\n')}\n`, { mode: 0o600 });
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  writeFileSync(join(dir, 'sa.pub'), keys.publicKey);
  writeFileSync(join(dir, 'sa.key'), keys.privateKey, { mode: 0o600 });

  const [etcdClient, etcdPeer, securePort] = [await freePort(), await freePort(), await freePort()];
  const etcd = startProcess(
    etcdBin,
    [
      '--name=fleetlab-test',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=fleetlab-test=http://127.0.0.1:${etcdPeer}`,
      // A throwaway store: no fsync (much faster on shared disks), small quota, quiet logs.
      '--unsafe-no-fsync',
      '--quota-backend-bytes=1073741824',
      '--log-level=warn',
    ],
    logs.etcd,
  );
  const apiserver = startProcess(
    apiserverBin,
    [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${securePort}`,
      // No --tls-cert-file: kube-apiserver makes a self-signed CA and serving certificate for 127.0.0.1 here.
      `--cert-dir=${join(dir, 'certs')}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      // As kubeadm, kind and k3s run it: privileged containers are then a matter for Pod Security, as on a real cluster.
      '--allow-privileged=true',
      '--profiling=false',
    ],
    logs.apiserver,
  );

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await stopProcess(apiserver);
    await stopProcess(etcd);
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };

  const fail = async (why: string): Promise<never> => {
    const message =
      `kube-apiserver did not become ready: ${why}\n` +
      `logs: ${logs.apiserver} and ${logs.etcd} (kept)\n` +
      `--- kube-apiserver (tail) ---\n${tail(logs.apiserver)}\n--- etcd (tail) ---\n${tail(logs.etcd)}`;
    stopped = true;
    await stopProcess(apiserver);
    await stopProcess(etcd);
    throw new Error(message);
  };

  const url = `https://127.0.0.1:${securePort}`;
  const certFile = join(dir, 'certs', 'apiserver.crt');
  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  let last = 'not started';
  let ca = '';
  for (;;) {
    if (etcd.exitCode !== null) return fail(`etcd exited ${etcd.exitCode}`);
    if (apiserver.exitCode !== null) return fail(`kube-apiserver exited ${apiserver.exitCode}`);
    if (Date.now() > deadline) return fail(`no 200 from ${url}/readyz in ${options.readyTimeoutMs ?? 90_000} ms; last: ${last}`);
    // The certificate file holds the serving certificate and the self-signed CA that signed it.
    if (existsSync(certFile)) {
      ca = readFileSync(certFile, 'utf8');
      try {
        const r = await rawRequest(url, ca, token, 'GET', '/readyz');
        if (r.status === 200) break;
        last = `${r.status} ${String(r.body).slice(0, 500)}`;
      } catch (error) {
        last = (error as Error).message;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  const kubeconfig = join(dir, 'kubeconfig');
  const b64 = Buffer.from(ca).toString('base64');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: fleetlab-test',
      '    cluster:',
      `      server: ${url}`,
      `      certificate-authority-data: ${b64}`,
      'users:',
      '  - name: admin',
      '    user:',
      `      token: ${token}`,
      'contexts:',
      '  - name: fleetlab-test',
      '    context: { cluster: fleetlab-test, user: admin }',
      'current-context: fleetlab-test',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  return {
    url,
    token,
    tokens,
    kubeconfig,
    ca,
    dir,
    logs,
    async kubeConfig() {
      const { KubeConfig } = await import('@kubernetes/client-node');
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      return kc;
    },
    request(method, path, body, contentType, as) {
      const bearer = as === undefined ? token : tokens[as];
      if (bearer === undefined) throw new Error(`no user ${as}: pass it in options.users`);
      return rawRequest(url, ca, bearer, method, path, body, contentType);
    },
    stop,
  };
}
