// The few calls of Prometheus' HTTP API the cockpit makes: instant queries and the active alerts.
import { z } from 'zod';
import { defaultFetch, JsonApi, type FetchLike } from './http-json';

const Sample = z.object({ metric: z.record(z.string()), value: z.tuple([z.number(), z.string()]) });
const QueryAnswer = z.object({
  status: z.literal('success'),
  data: z.object({ resultType: z.string(), result: z.array(Sample) }),
});

export const PrometheusAlert = z.object({
  labels: z.record(z.string()),
  annotations: z.record(z.string()).default({}),
  state: z.string(),
  activeAt: z.string().optional(),
  value: z.string().optional(),
});
export type PrometheusAlert = z.infer<typeof PrometheusAlert>;
const AlertsAnswer = z.object({ status: z.literal('success'), data: z.object({ alerts: z.array(PrometheusAlert) }) });

export class PrometheusClient {
  private readonly api: JsonApi;

  /** `baseUrl`: the API, e.g. http://127.0.0.1:5173/prometheus (the lab's proxy) or http://localhost:9090. */
  constructor(baseUrl: string, fetchFn: FetchLike = defaultFetch, timeoutMs = 10_000) {
    this.api = new JsonApi('Prometheus', baseUrl, fetchFn, timeoutMs);
  }

  /** One number from an instant query: the first sample's value; null when there is no sample or it is NaN. */
  async scalar(query: string): Promise<number | null> {
    const first = (await this.api.get(`/api/v1/query?query=${encodeURIComponent(query)}`, QueryAnswer)).data.result[0];
    if (!first) return null;
    const value = Number(first.value[1]);
    return Number.isFinite(value) ? value : null;
  }

  async alerts(): Promise<PrometheusAlert[]> {
    return (await this.api.get('/api/v1/alerts', AlertsAnswer)).data.alerts;
  }
}
