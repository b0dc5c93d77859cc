// Stand-in for the lab harness while developing the web e2e alone: serves web/dist with a /config.json pointing at
// an api you run yourself (FLEETLAB_API_URL), and provides `lab` = {apiUrl, webUrl} like platform/local's setup.
import type { TestProject } from 'vitest/node';
import { freePort, serveWeb } from '@fleetlab/local';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const apiUrl = process.env.FLEETLAB_API_URL;
  if (!apiUrl) throw new Error('set FLEETLAB_API_URL to a running api, e.g. http://127.0.0.1:13300');
  const web = await serveWeb({ port: await freePort(), config: { apiUrl, tileUrl: '' } });
  (project.provide as (key: string, value: unknown) => void)('lab', { apiUrl, webUrl: web.url });
  return web.close;
}
