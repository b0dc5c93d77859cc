/** Progress lines of the launcher: short, prefixed, on stderr so a piped stdout stays clean. */
export interface Progress {
  step(message: string): void;
  done(message: string): void;
  info(message: string): void;
}

export const consoleProgress: Progress = {
  step: (message) => process.stderr.write(`fleetlab ▸ ${message}\n`),
  done: (message) => process.stderr.write(`fleetlab ✓ ${message}\n`),
  info: (message) => process.stderr.write(`fleetlab   ${message}\n`),
};

export const quietProgress: Progress = { step: () => undefined, done: () => undefined, info: () => undefined };
