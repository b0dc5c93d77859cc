export const SDK_KEY = Symbol.for('fleetlab.telemetry.sdk');

/** Flushes and stops the SDK started by `register`, if any; services call it last in their shutdown. */
export async function shutdownTelemetry(): Promise<void> {
  const sdk = (globalThis as Record<symbol, { shutdown(): Promise<void> } | undefined>)[SDK_KEY];
  if (!sdk) return;
  await sdk.shutdown().catch(() => undefined);
}
