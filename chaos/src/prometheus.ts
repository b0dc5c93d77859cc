/** The few Prometheus HTTP API calls the runner needs: an instant query reduced to one number, and firing alerts. */
export class Prometheus {
  constructor(readonly url: string) {}

  /** The query's value: the sum over every series of an instant vector, a scalar as is; undefined when empty. */
  async value(query: string): Promise<number | undefined> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: unknown };
    };
    if (body.status !== 'success' || !body.data) throw new Error(`Prometheus refused ${query}: ${body.error ?? response.status}`);
    const { resultType, result } = body.data;
    if (resultType === 'scalar') return Number((result as [number, string])[1]);
    if (resultType === 'vector') {
      const samples = result as Array<{ value: [number, string] }>;
      if (samples.length === 0) return undefined;
      const values = samples.map((s) => Number(s.value[1])).filter((v) => !Number.isNaN(v));
      return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
    }
    throw new Error(`${query} returned a ${resultType}; a probe needs an instant vector or a scalar`);
  }

  /** Names of the alerts firing now (pending ones are not firing yet). */
  async firingAlerts(): Promise<Set<string>> {
    const response = await fetch(`${this.url}/api/v1/alerts`, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { data: { alerts: Array<{ labels: { alertname: string }; state: string }> } };
    return new Set(body.data.alerts.filter((a) => a.state === 'firing').map((a) => a.labels.alertname));
  }
}
