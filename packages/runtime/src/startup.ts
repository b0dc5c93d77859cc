import type { Logger } from '@fleetlab/telemetry';

export const STARTUP_RETRY_MS = 2_000;

export interface StartUpStep {
  /** What the step waits for, as /readyz names it: `kafka topics`, `mongodb`… */
  name: string;
  run(): Promise<unknown>;
}

/**
 * How every service starts: its ops endpoints answer first (live, not ready), then the steps run in order, each
 * retried every `retryMs` until it succeeds, so a dependency that comes up late (Kafka, the database) delays
 * readiness and never kills the process. /readyz names the step being waited for; `stop()` (shutdown) ends the wait.
 */
export class StartUp {
  private waitingFor: string | undefined = 'start-up';
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly retryMs = STARTUP_RETRY_MS,
  ) {}

  /** Resolves true once every step succeeded, false if stopped first. */
  async run(steps: StartUpStep[]): Promise<boolean> {
    for (const step of steps) {
      this.waitingFor = step.name;
      for (let attempt = 1; ; attempt++) {
        if (this.stopping) return false;
        try {
          await step.run();
          break;
        } catch (error) {
          this.logger.warn({ err: error, step: step.name, attempt, retryInMs: this.retryMs }, `start-up waits for ${step.name}`);
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.retryMs);
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      }
    }
    this.waitingFor = undefined;
    return true;
  }

  /** The step start-up is waiting for, for /readyz; undefined once started. */
  pending(): string | undefined {
    return this.waitingFor;
  }

  stop(): void {
    this.stopping = true;
    this.wake?.();
  }
}
