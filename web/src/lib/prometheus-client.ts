// The few calls of Prometheus' HTTP API the cockpit makes: instant queries and the active alerts.
import { z } from 'zod';
import { defaultFetch, getJson, type FetchLike } from './http-json';

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
  constructor(
    /** Base URL of the API, e.g. http://127.0.0.1:5173/prometheus (the lab's proxy) or http://localhost:9090. */
    readonly baseUrl: string,
    private readonly fetchFn: FetchLike = defaultFetch,
    private readonly timeoutMs = 10_000,
  ) {}

  /** One number from an instant query: the first sample's value; null when there is no sample or it is NaN. */
  async scalar(query: string): Promise<number | null> {
    const body = await getJson(`${this.baseUrl}/api/v1/query?query=${encodeURIComponent(query)}`, this.fetchFn, this.timeoutMs, 'Prometheus');
    const parsed = QueryAnswer.safeParse(body);
    if (!parsed.success) throw new Error(`Prometheus: unexpected answer to ${query}`);
    const first = parsed.data.data.result[0];
    if (!first) return null;
    const value = Number(first.value[1]);
    return Number.isFinite(value) ? value : null;
  }

  async alerts(): Promise<PrometheusAlert[]> {
    const body = await getJson(`${this.baseUrl}/api/v1/alerts`, this.fetchFn, this.timeoutMs, 'Prometheus');
    const parsed = AlertsAnswer.safeParse(body);
    if (!parsed.success) throw new Error('Prometheus: unexpected answer from /api/v1/alerts');
    return parsed.data.data.alerts;
  }
}
