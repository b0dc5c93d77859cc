// The history pipeline and dashboards as code: the connector config uses only documented options, the index template
// maps position as geo_point, Kibana's saved objects hang together, Grafana's dashboard and Prometheus' config are sound.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO, parseObjects, render, runCombined, tool } from './lib.js';

const read = (path: string) => readFileSync(join(REPO, path), 'utf8');
const json = (path: string) => JSON.parse(read(path));

/** The allow-list: exact names, and prefixes written as 'prefix.*'. */
function allowList(): { exact: Set<string>; prefixes: string[] } {
  const lines = read('platform/tests/elasticsearch-sink-options.txt').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return { exact: new Set(lines.filter((l) => !l.endsWith('*'))), prefixes: lines.filter((l) => l.endsWith('*')).map((l) => l.slice(0, -1)) };
}

function undocumented(config: Record<string, string>): string[] {
  const { exact, prefixes } = allowList();
  return Object.keys(config).filter((k) => !exact.has(k) && !prefixes.some((p) => k.startsWith(p)));
}

describe('Kafka Connect: the Elasticsearch sink', () => {
  const config = json('dashboards/connect/elasticsearch-sink.json') as Record<string, string>;

  it('uses only option names the connector and Kafka Connect document', () => {
    expect(allowList().exact.size).toBeGreaterThan(40);
    expect(undocumented(config)).toEqual([]);
  });

  it('an undocumented option is caught (negative control)', () => {
    expect(undocumented({ ...config, 'type.name': '_doc', 'key.ignored': 'true' })).toEqual(['type.name', 'key.ignored']);
  });

  it('reads both topics with stable, unique document ids (topic+partition+offset) and schemaless JSON', () => {
    expect(config['connector.class']).toBe('io.confluent.connect.elasticsearch.ElasticsearchSinkConnector');
    expect(config.topics!.split(',').sort()).toEqual(['route.new-direction', 'route.new-position']);
    expect(config['key.ignore']).toBe('true');
    expect(config['value.converter']).toBe('org.apache.kafka.connect.json.JsonConverter');
    expect(config['value.converter.schemas.enable']).toBe('false');
    expect(config['connection.url']).toBe('http://elasticsearch:9200');
    // Every value is a string, as Connect's REST API expects.
    expect(Object.values(config).every((v) => typeof v === 'string')).toBe(true);
  });

  it('the index template maps position as geo_point and ts as date, for both topics\' indices', () => {
    const template = json('dashboards/connect/index-template.json');
    expect(template.template.mappings.properties.position).toEqual({ type: 'geo_point' });
    expect(template.template.mappings.properties.ts.type).toBe('date');
    const patterns: string[] = template.index_patterns;
    for (const topic of config.topics!.split(',')) {
      expect(patterns.some((p) => new RegExp(`^${p.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`).test(topic)), topic).toBe(true);
    }
  });

  it('the setup Job applies the template before the connector', () => {
    const script = read('platform/components/connect/connect-setup.sh');
    expect(script.indexOf('_index_template/')).toBeGreaterThan(0);
    expect(script.indexOf('_index_template/')).toBeLessThan(script.indexOf('/connectors/elasticsearch-sink/config'));
  });
});

describe('Kibana saved objects (dashboards/kibana/fleetlab.ndjson)', () => {
  const objects = read('dashboards/kibana/fleetlab.ndjson').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

  it('are import-shaped objects: type, id, attributes, references', () => {
    for (const o of objects) {
      expect(typeof o.type).toBe('string');
      expect(typeof o.id).toBe('string');
      expect(typeof o.attributes).toBe('object');
      expect(Array.isArray(o.references)).toBe(true);
    }
    expect(objects.map((o) => o.type).sort()).toEqual(['dashboard', 'index-pattern', 'index-pattern', 'map', 'search']);
  });

  it('every reference points to an object in the file, with its type', () => {
    const ids = new Set(objects.map((o) => `${o.type}:${o.id}`));
    const dangling = objects.flatMap((o) => o.references.map((r: { type: string; id: string }) => `${r.type}:${r.id}`)).filter((r: string) => !ids.has(r));
    expect(dangling).toEqual([]);
  });

  it('the data views cover the connector\'s indices, and the map draws the geo_point field', () => {
    const views = objects.filter((o) => o.type === 'index-pattern');
    expect(views.map((v) => v.attributes.title).sort()).toEqual(['route.new-direction*', 'route.new-position*']);
    expect(views.find((v) => v.id === 'fleetlab-positions').attributes.timeFieldName).toBe('ts');
    const map = objects.find((o) => o.type === 'map');
    const layers = JSON.parse(map.attributes.layerListJSON);
    const documents = layers.find((l: { sourceDescriptor: { type: string } }) => l.sourceDescriptor.type === 'ES_SEARCH');
    expect(documents.sourceDescriptor.geoField).toBe('position');
    expect(map.references.map((r: { name: string }) => r.name)).toContain(documents.sourceDescriptor.indexPatternRefName);
    const dashboard = objects.find((o) => o.type === 'dashboard');
    const panels = JSON.parse(dashboard.attributes.panelsJSON);
    expect(panels.map((p: { panelRefName: string }) => p.panelRefName).sort()).toEqual(
      dashboard.references.map((r: { name: string }) => r.name.split(':')[1]).sort(),
    );
  });
});

describe('Grafana and Prometheus of the observability component', () => {
  const dir = 'platform/components/observability';

  it('the fleetlab-overview dashboard (generated in dashboards/) plots the fleet SLIs from a Prometheus datasource', () => {
    const dashboard = json('dashboards/grafana/fleetlab-overview.json');
    expect(dashboard.uid).toBe('fleetlab-overview');
    expect(read(`${dir}/kustomization.yaml`)).toContain('dashboards/grafana/fleetlab-overview.json');
    const panels = dashboard.panels.filter((p: { type: string }) => p.type !== 'row');
    const exprs = panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr)).join('\n');
    for (const metric of ['fleetlab_position_freshness_seconds', 'fleetlab_simulator_active_trips', 'fleetlab_consumer_positions_stored_total']) {
      expect(exprs).toContain(metric);
    }
    // The other SLIs have their dashboards beside it, all provisioned from dashboards/grafana.
    const all = readdirSync('dashboards/grafana').map((f) => read(`dashboards/grafana/${f}`)).join('\n');
    for (const metric of ['fleetlab_persistence_lag_seconds', 'fleetlab_kafka_consumer_lag_messages', 'fleetlab_http_requests_total']) {
      expect(all).toContain(metric);
    }
    // Panels use the dashboard's datasource variable, which offers the provisioned Prometheus datasources.
    const variable = dashboard.templating.list.find((v: { name: string }) => v.name === 'datasource');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const p of panels) expect(p.datasource).toMatchObject({ type: 'prometheus', uid: '${datasource}' });
    const types = parse(read(`${dir}/grafana/datasources.yaml`)).datasources.map((d: { type: string }) => d.type);
    expect(types).toContain('prometheus');
  });

  it('promtool accepts the Prometheus config as rendered, with the SLO rules and alerts it loads', () => {
    // What the pod mounts at /etc/prometheus: the rendered ConfigMap, every key a file.
    const configMap = parseObjects(render(['observability'])).find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('prometheus-'));
    expect(configMap, 'the prometheus ConfigMap').toBeDefined();
    const files = configMap!.data as Record<string, string>;
    const config = parse(files['prometheus.yml']!);
    expect(config.rule_files).toEqual(['rules-lab.yml']);
    // The training-session rules of dashboards/prometheus, as generated (same recording rules and alerts as the
    // no-cluster lab loads).
    expect(files['rules-lab.yml']).toBe(read('dashboards/prometheus/rules-lab.yml'));
    const rules = parse(files['rules-lab.yml']!) as { groups: { rules: { record?: string; alert?: string }[] }[] };
    expect(rules.groups.flatMap((g) => g.rules).filter((r) => r.alert).length).toBeGreaterThan(0);
    expect(rules.groups.flatMap((g) => g.rules).filter((r) => r.record).length).toBeGreaterThan(0);
    const work = mkdtempSync(join(tmpdir(), 'fleetlab-promtool-'));
    try {
      for (const [name, text] of Object.entries(files)) writeFileSync(join(work, name), text);
      // promtool of the pinned Prometheus release, built with Kubernetes service discovery (Debian's has none);
      // a full check: the config, then every rule file it names (parsed, PromQL checked).
      const out = runCombined(tool('promtool'), ['check', 'config', join(work, 'prometheus.yml')]);
      expect(out).toMatch(/SUCCESS: .*prometheus\.yml is valid prometheus config file syntax/);
      expect(out).toMatch(/SUCCESS: \d+ rules found/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);

  it('Jaeger receives OTLP on the ports the services export to', () => {
    const config = parse(read(`${dir}/jaeger/config.yaml`));
    expect(config.receivers.otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
    expect(config.receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(read('platform/base/fleetlab.env')).toMatch(/^OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/jaeger-collector:4318$/m);
  });
});

describe('the web app\'s runtime config (/config.json)', () => {
  // The settings the app knows, from its schema (web/src/config/env.ts: ConfigShape).
  const shape = read('web/src/config/env.ts').match(/export const ConfigShape = \{([\s\S]*?)\} as const;/)?.[1] ?? '';
  const known = [...shape.matchAll(/^\s*(\w+):/gm)].map((m) => m[1]);

  for (const file of ['platform/base/web/config.json', 'platform/components/istio/web-config.json']) {
    it(`${file} sets only settings the app knows`, () => {
      expect(known, 'ConfigShape in web/src/config/env.ts').toContain('apiUrl');
      expect(Object.keys(json(file)).filter((k) => !known.includes(k))).toEqual([]);
    });
  }
});
