import { shutdownTelemetry, type Logger } from '@fleetlab/telemetry';

/**
 * Runs the shutdown steps in order on SIGTERM or SIGINT (stop intake, flush, close), then flushes telemetry and exits.
 * A second signal, or a step that hangs past the deadline, exits at once.
 */
export function onShutdown(logger: Logger, steps: Array<() => Promise<unknown>>, deadlineMs = 15_000): void {
  let stopping = false;
  const run = async (signal: string): Promise<void> => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown deadline passed, exiting');
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    let code = 0;
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        code = 1;
        logger.error({ err: error }, 'shutdown step failed');
      }
    }
    logger.info('stopped');
    await shutdownTelemetry();
    process.exit(code);
  };
  process.on('SIGTERM', () => void run('SIGTERM'));
  process.on('SIGINT', () => void run('SIGINT'));
}
