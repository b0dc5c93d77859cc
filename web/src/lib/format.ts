// Small formatting helpers for times, ages and ids.

/** A short form of a UUID-like id for lists. */
export const shortId = (id: string): string => (id.length > 8 ? id.slice(0, 8) : id);

/** "0.4 s", "12 s", "3 min 5 s": how old an event is. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const clamped = Math.max(0, ms);
  if (clamped < 10_000) return `${(clamped / 1000).toFixed(1)} s`;
  const seconds = Math.round(clamped / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString([], { hour12: false }) + `.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

export const formatPercent = (ratio: number): string => `${Math.round(Math.max(0, Math.min(1, ratio)) * 100)} %`;
