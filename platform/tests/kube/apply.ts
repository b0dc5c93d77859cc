// Server-side apply against the test API server, with the server's warnings: discovery maps kind → resource path.
// Raw HTTP rather than client-node's KubernetesObjectApi because client-node drops the `Warning` headers, and a
// Pod Security `warn` or an unknown field only ever shows up there.
import type { ApiResponse, ApiServer } from './api-server';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

interface Resource {
  plural: string;
  namespaced: boolean;
}

/** kind → resource of every served group version; refresh() after installing CRDs. */
export class Discovery {
  private resources = new Map<string, Resource>();

  constructor(private readonly server: ApiServer) {}

  async refresh(): Promise<this> {
    const groupVersions = ['v1'];
    const apis = await this.get('/apis');
    for (const group of apis.groups ?? []) for (const v of group.versions ?? []) groupVersions.push(v.groupVersion);
    this.resources.clear();
    for (const gv of groupVersions) {
      const list = await this.get(gv === 'v1' ? '/api/v1' : `/apis/${gv}`);
      for (const r of list.resources ?? []) {
        if (String(r.name).includes('/')) continue; // subresources
        this.resources.set(`${gv}/${r.kind}`, { plural: r.name, namespaced: r.namespaced });
      }
    }
    return this;
  }

  has(apiVersion: string, kind: string): boolean {
    return this.resources.has(`${apiVersion}/${kind}`);
  }

  /** The object's URL path (…/namespaces/<ns>/<plural>/<name>). */
  path(o: KubeObject): string {
    const r = this.resources.get(`${o.apiVersion}/${o.kind}`);
    if (!r) throw new Error(`the API server serves no ${o.kind} in ${o.apiVersion} (a CRD missing?)`);
    const base = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
    if (r.namespaced && !o.metadata.namespace) throw new Error(`${o.kind}/${o.metadata.name} has no namespace`);
    const ns = r.namespaced ? `/namespaces/${encodeURIComponent(o.metadata.namespace!)}` : '';
    return `${base}${ns}/${r.plural}/${encodeURIComponent(o.metadata.name)}`;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private async get(path: string): Promise<any> {
    const r = await this.server.request('GET', path);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
}

export interface ApplyOptions {
  fieldManager?: string;
  /** `dryRun=All`: admitted and validated in full (schemas, CEL, admission) but never stored. */
  dryRun?: boolean;
}

/** Server-side apply (`application/apply-patch+yaml`; JSON is YAML), forcing conflicts like `kubectl apply --server-side --force-conflicts`. */
export async function serverSideApply(
  server: ApiServer,
  discovery: Discovery,
  o: KubeObject,
  options: ApplyOptions = {},
): Promise<ApiResponse> {
  const query = new URLSearchParams({ fieldManager: options.fieldManager ?? 'fleetlab-tests', force: 'true' });
  if (options.dryRun) query.set('dryRun', 'All');
  return server.request('PATCH', `${discovery.path(o)}?${query}`, o, 'application/apply-patch+yaml');
}

/** Applies for real and fails on any error or warning. */
export async function applyOrThrow(server: ApiServer, discovery: Discovery, o: KubeObject, fieldManager?: string): Promise<void> {
  const r = await serverSideApply(server, discovery, o, { fieldManager });
  if (r.status >= 300 || r.warnings.length > 0) {
    throw new Error(`apply ${o.kind}/${o.metadata.name}: ${r.status} ${r.body?.message ?? ''} ${r.warnings.join('; ')}`);
  }
}

/** Polls until every CRD named is Established (served and discoverable). */
export async function waitForCrds(server: ApiServer, names: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(names);
  while (pending.size > 0) {
    for (const name of [...pending]) {
      const r = await server.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      const established = (r.body?.status?.conditions ?? []).some(
        (c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True',
      );
      if (established) pending.delete(name);
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) throw new Error(`CRDs not established in ${timeoutMs} ms: ${[...pending].join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Installs CRDs for real (server-side apply), waits until they are Established and refreshes discovery. */
export async function installCrds(server: ApiServer, discovery: Discovery, crds: KubeObject[], fieldManager = 'fleetlab-tests'): Promise<void> {
  for (const crd of crds) await applyOrThrow(server, discovery, crd, fieldManager);
  await waitForCrds(
    server,
    crds.map((c) => c.metadata.name),
  );
  await discovery.refresh();
}
