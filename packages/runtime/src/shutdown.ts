import { shutdownTelemetry, type Logger } from '@fleetlab/telemetry';

/** Exit status of a service that stopped itself because a part of it cannot recover (EX_SOFTWARE). */
export const GAVE_UP_EXIT_CODE = 70;

/**
 * Runs the shutdown steps in order on SIGTERM or SIGINT (stop intake, flush, close), then flushes telemetry and exits.
 * A second signal, or a step that hangs past the deadline, exits at once. Returns `giveUp(reason)`: the same
 * shutdown, started by the service itself when a part of it is wedged for good, ending in GAVE_UP_EXIT_CODE so the
 * supervisor (the local lab's, or Kubernetes) starts it again.
 */
export function onShutdown(logger: Logger, steps: Array<() => Promise<unknown>>, deadlineMs = 15_000): (reason: string) => void {
  let stopping = false;
  const run = async (signal: string, reason?: string): Promise<void> => {
    if (stopping) {
      if (reason !== undefined) return;
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(130);
    }
    stopping = true;
    if (reason === undefined) logger.info({ signal }, 'shutting down');
    else logger.error({ reason }, 'giving up: shutting down to be started again');
    const timer = setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown deadline passed, exiting');
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    let code = reason === undefined ? 0 : GAVE_UP_EXIT_CODE;
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        if (code === 0) code = 1;
        logger.error({ err: error }, 'shutdown step failed');
      }
    }
    logger.info('stopped');
    await shutdownTelemetry();
    process.exit(code);
  };
  process.on('SIGTERM', () => void run('SIGTERM'));
  process.on('SIGINT', () => void run('SIGINT'));
  return (reason: string) => void run('give-up', reason);
}
