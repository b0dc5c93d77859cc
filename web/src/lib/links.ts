// Links from a trip to its trace, dashboards and logs, built from configured URL templates.
import type { AppConfig } from '../config/env';

export interface TripIds {
  tripId: string;
  routeId?: string | undefined;
  vehicleId?: string | undefined;
  fleetId?: string | undefined;
}

export interface ObservabilityLink {
  label: string;
  href: string;
}

/**
 * Fills `{name}` placeholders: base URLs as they are, ids URL-encoded. Returns undefined when the template is
 * empty or a placeholder has no value (say {grafanaUrl} with no Grafana configured), so the link is hidden.
 */
export function fillTemplate(template: string, values: Record<string, string | undefined>, raw: ReadonlySet<string>): string | undefined {
  if (template.trim() === '') return undefined;
  let missing = false;
  const filled = template.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => {
    if (!(name in values)) return whole;
    const value = values[name];
    if (value === undefined || value === '') {
      missing = true;
      return '';
    }
    return raw.has(name) ? value : encodeURIComponent(value);
  });
  if (missing) return undefined;
  try {
    const url = new URL(filled);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

const BASES = new Set(['jaegerUrl', 'grafanaUrl', 'kibanaUrl']);

export function tripLinks(config: AppConfig, ids: TripIds): ObservabilityLink[] {
  const values: Record<string, string | undefined> = {
    jaegerUrl: config.jaegerUrl,
    grafanaUrl: config.grafanaUrl,
    kibanaUrl: config.kibanaUrl,
    tripId: ids.tripId,
    routeId: ids.routeId,
    vehicleId: ids.vehicleId,
    fleetId: ids.fleetId,
  };
  const candidates: Array<[string, string]> = [
    ['Trace', config.traceUrlTemplate],
    ['Dashboard', config.dashboardUrlTemplate],
    ['Logs and events', config.logsUrlTemplate],
  ];
  const links: ObservabilityLink[] = [];
  for (const [label, template] of candidates) {
    const href = fillTemplate(template, values, BASES);
    if (href) links.push({ label, href });
  }
  return links;
}
