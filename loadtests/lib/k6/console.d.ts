// k6 provides console, but @types/k6 doesn't declare it and lib "dom" would bring far more than k6 has.
declare const console: {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
  debug(...data: unknown[]): void;
};
