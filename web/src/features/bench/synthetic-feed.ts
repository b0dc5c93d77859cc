// Bench mode (?bench=N): N synthetic vehicles circling around Brasília, fed through the app's own position
// pipeline (buffer, store, canvas layer) so the fps benchmark measures the real rendering path without an api.
import type { NewPosition } from '../../lib/api-types';

const CENTER: [number, number] = [-47.8825, -15.7942];

export class SyntheticFeed {
  private timer: ReturnType<typeof setInterval> | undefined;
  private seq = 0;
  private readonly phase: Float64Array;
  private readonly radius: Float64Array;
  private readonly speed: Float64Array;

  constructor(
    readonly vehicles: number,
    readonly fleetId: string,
  ) {
    this.phase = new Float64Array(vehicles);
    this.radius = new Float64Array(vehicles);
    this.speed = new Float64Array(vehicles);
    // Deterministic spread, no Math.random: the same bench draws the same picture every run.
    for (let i = 0; i < vehicles; i++) {
      this.phase[i] = (i * 2.399963) % (2 * Math.PI);
      this.radius[i] = 0.005 + 0.045 * (((i * 7919) % 1000) / 1000);
      this.speed[i] = 0.01 + 0.02 * (((i * 104729) % 1000) / 1000);
    }
  }

  /** One position for every vehicle. */
  tick(ts = new Date().toISOString()): NewPosition[] {
    const seq = this.seq++;
    const out: NewPosition[] = new Array(this.vehicles);
    for (let i = 0; i < this.vehicles; i++) {
      const angle = this.phase[i]! + seq * this.speed[i]!;
      const r = this.radius[i]!;
      out[i] = {
        routeId: 'bench',
        clientId: '',
        tripId: `bench-${i}`,
        vehicleId: `bench-vehicle-${i}`,
        fleetId: this.fleetId,
        seq,
        ts,
        finished: false,
        position: [CENTER[0] + r * Math.cos(angle), CENTER[1] + r * 0.9 * Math.sin(angle)],
      };
    }
    return out;
  }

  start(everyMs: number, emit: (batch: NewPosition[]) => void): void {
    this.stop();
    emit(this.tick());
    this.timer = setInterval(() => emit(this.tick()), everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
