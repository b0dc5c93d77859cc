// One colour per service in every waterfall, so the eye follows a service down the trace.
const KNOWN: Record<string, string> = { api: '#2458d3', simulator: '#0f766e', consumer: '#a16207' };
const OTHERS = ['#7c3aed', '#be185d', '#4d7c0f', '#0369a1'];

export function colorOfService(service: string): string {
  const known = KNOWN[service];
  if (known) return known;
  let hash = 0;
  for (const ch of service) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return OTHERS[hash % OTHERS.length]!;
}
