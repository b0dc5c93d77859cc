// The trace room: the selected trip's trace from Jaeger's query API, laid out as a waterfall.
import { Observable } from '../../lib/observable';
import type { JaegerClient } from '../../lib/jaeger-client';
import { layoutWaterfall, type Waterfall } from './waterfall';

export type TraceState =
  | { status: 'off' }
  | { status: 'idle' }
  | { status: 'loading'; tripId: string }
  | { status: 'none'; tripId: string }
  | { status: 'error'; tripId: string; message: string }
  | { status: 'ready'; tripId: string; waterfall: Waterfall };

export class TraceRoom {
  readonly state: Observable<TraceState>;
  private seq = 0;

  constructor(private readonly client: JaegerClient | null) {
    this.state = new Observable<TraceState>(client ? { status: 'idle' } : { status: 'off' });
  }

  /** Loads a trip's trace; a newer call wins over an older one still under way. */
  async show(tripId: string | null): Promise<void> {
    if (!this.client) return;
    const seq = ++this.seq;
    if (!tripId) {
      this.state.set({ status: 'idle' });
      return;
    }
    this.state.set({ status: 'loading', tripId });
    try {
      const trace = await this.client.tripTrace(tripId);
      if (seq !== this.seq) return;
      this.state.set(trace ? { status: 'ready', tripId, waterfall: layoutWaterfall(trace) } : { status: 'none', tripId });
    } catch (error) {
      if (seq !== this.seq) return;
      this.state.set({ status: 'error', tripId, message: (error as Error).message });
    }
  }
}
