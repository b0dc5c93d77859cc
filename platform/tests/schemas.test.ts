// Every rendered object, from every combination, passes kubeconform -strict against offline schemas: Kubernetes'
// own (PyPI kubernetes-validate) for the oldest and newest supported versions, and Istio's CRDs turned into schemas.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import {
  combinations, componentNames, ISTIO_CRDS, KUBERNETES_VERSIONS, parseObjects, render, requireFile, run, SCHEMAS, tool,
} from './lib.js';

let work = '';
let manifests = '';
let crdSchemas = '';

/** Like openapi2jsonschema --strict: objects with declared properties accept no others, unless the CRD says so. */
function strictify(node: any): void {
  if (Array.isArray(node)) return node.forEach(strictify);
  if (!node || typeof node !== 'object') return;
  if (node.properties && node.additionalProperties === undefined && !node['x-kubernetes-preserve-unknown-fields']) {
    node.additionalProperties = false;
  }
  for (const value of Object.values(node)) strictify(value);
}

/** Istio's CRDs (from the istio module istioctl was built from) as kubeconform schemas: <group>/<kind>_<version>.json. */
function writeCrdSchemas(dir: string): number {
  let count = 0;
  for (const doc of parseAllDocuments(readFileSync(requireFile(ISTIO_CRDS, "Istio's CRDs"), 'utf8'))) {
    const crd = doc.toJS();
    if (crd?.kind !== 'CustomResourceDefinition') continue;
    for (const version of crd.spec.versions) {
      const schema = structuredClone(version.schema?.openAPIV3Schema);
      if (!schema) continue;
      schema.properties = {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
        ...schema.properties,
      };
      strictify(schema);
      mkdirSync(join(dir, crd.spec.group), { recursive: true });
      writeFileSync(join(dir, crd.spec.group, `${crd.spec.names.kind.toLowerCase()}_${version.name}.json`), JSON.stringify(schema));
      count++;
    }
  }
  return count;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'fleetlab-kubeconform-'));
  crdSchemas = join(work, 'crds');
  expect(writeCrdSchemas(crdSchemas)).toBeGreaterThan(10);
  // One file with every distinct object of every combination: components patch base objects differently.
  const seen = new Set<string>();
  const docs: string[] = [];
  for (const combo of combinations(componentNames())) {
    for (const o of parseObjects(render(combo))) {
      const text = stringify(o);
      if (!seen.has(text)) {
        seen.add(text);
        docs.push(text);
      }
    }
  }
  manifests = join(work, 'all-objects.yaml');
  writeFileSync(manifests, docs.join('---\n'));
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function kubeconform(file: string, version: string): { summary: Record<string, number>; resources: unknown[] } {
  const args = [
    '-strict', '-summary', '-output', 'json', '-kubernetes-version', version,
    '-schema-location', `${SCHEMAS}/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
    '-schema-location', `${crdSchemas}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`,
    file,
  ];
  let out: string;
  try {
    out = run(tool('kubeconform'), args);
  } catch (error) {
    // kubeconform exits 1 on invalid resources: show which and why.
    throw new Error(`kubeconform ${version}: ${(error as Error).message}`);
  }
  return JSON.parse(out);
}

describe('kubeconform -strict, offline schemas', () => {
  for (const version of KUBERNETES_VERSIONS) {
    it(`every object is valid for Kubernetes ${version} (and Istio's CRDs), none skipped`, () => {
      requireFile(join(SCHEMAS, `v${version}-local-strict`, 'deployment-apps-v1.json'), `Kubernetes ${version} schemas`);
      const { summary } = kubeconform(manifests, version);
      expect(summary.valid).toBeGreaterThan(50);
      expect(summary).toMatchObject({ invalid: 0, errors: 0, skipped: 0 });
    }, 120_000);
  }

  it('the schemas are strict: an unknown field and a wrong type are refused (negative control)', () => {
    const deployment = parseObjects(render([])).find((o) => o.kind === 'Deployment')!;
    const broken = structuredClone(deployment);
    broken.spec.replicasTypo = 2;
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    const vs = parse(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: broken, namespace: fleetlab }
spec: { hosts: [api], htttp: [] }
`);
    const file = join(work, 'broken.yaml');
    writeFileSync(file, [stringify(broken), stringify(vs)].join('---\n'));
    expect(() => kubeconform(file, KUBERNETES_VERSIONS[0]!)).toThrow(/replicasTypo[\s\S]*htttp|htttp[\s\S]*replicasTypo/);
  }, 60_000);
});
