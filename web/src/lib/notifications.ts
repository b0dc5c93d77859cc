// User-facing messages: api errors stay until dismissed, notices (a trip finished) fade after a while.
import { Observable } from './observable';

export type NotificationKind = 'error' | 'warning' | 'info' | 'success';

export interface Notification {
  id: number;
  kind: NotificationKind;
  message: string;
  at: number;
}

export class Notifications extends Observable<readonly Notification[]> {
  private nextId = 1;

  constructor(
    private readonly noticeMs = 8_000,
    private readonly max = 6,
    private readonly setTimer: (fn: () => void, ms: number) => unknown = (fn, ms) => setTimeout(fn, ms),
  ) {
    super([]);
  }

  push(kind: NotificationKind, message: string): number {
    const id = this.nextId++;
    // The same message twice in a row (a retry failing again) is shown once.
    const rest = this.get().filter((n) => !(n.kind === kind && n.message === message));
    this.set([...rest, { id, kind, message, at: Date.now() }].slice(-this.max));
    if (kind === 'info' || kind === 'success') this.setTimer(() => this.dismiss(id), this.noticeMs);
    return id;
  }

  error(error: unknown): number {
    return this.push('error', error instanceof Error ? error.message : String(error));
  }

  dismiss(id: number): void {
    const current = this.get();
    if (current.some((n) => n.id === id)) this.set(current.filter((n) => n.id !== id));
  }
}
