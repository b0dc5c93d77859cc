// The SLO and alert room: every few seconds, each SLO's error ratios and the lab's active alerts from Prometheus.
import { Observable } from '../../lib/observable';
import { PrometheusClient, type PrometheusAlert } from '../../lib/prometheus-client';
import { SLOS } from '../../lib/slo-spec';
import { sloQueries, sloView, type SloView } from './slo-math';

export interface SloState {
  /** off: no Prometheus configured; error: the last poll failed (the last good numbers stay). */
  status: 'off' | 'loading' | 'ready' | 'error';
  views: SloView[];
  /** Every active alert, firing or pending, SLO or not. */
  alerts: PrometheusAlert[];
  error?: string | undefined;
  updatedAt?: number | undefined;
}

export class SloRoom {
  readonly state: Observable<SloState>;
  private timer: ReturnType<typeof setInterval> | undefined;
  private polling = false;

  constructor(
    private readonly client: PrometheusClient | null,
    private readonly pollMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {
    this.state = new Observable<SloState>({ status: client ? 'loading' : 'off', views: [], alerts: [] });
  }

  start(): void {
    if (!this.client || this.timer) return;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.pollMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async poll(): Promise<void> {
    const client = this.client;
    if (!client || this.polling) return;
    this.polling = true;
    try {
      const [alerts, ...ratios] = await Promise.all([
        client.alerts(),
        ...SLOS.flatMap((slo) => {
          const q = sloQueries(slo);
          return [client.scalar(q.short), client.scalar(q.budget)];
        }),
      ]);
      const active = alerts as PrometheusAlert[];
      const views = SLOS.map((slo, i) => sloView(slo, ratios[2 * i] as number | null, ratios[2 * i + 1] as number | null, active));
      this.state.set({ status: 'ready', views, alerts: active, updatedAt: this.now() });
    } catch (error) {
      this.state.set({ ...this.state.get(), status: 'error', error: (error as Error).message });
    } finally {
      this.polling = false;
    }
  }
}
