// Milliseconds between two points of a trip: the simulator's pace, with presets for a demo and for tests.
import { useId } from 'react';

export const PACE_PRESETS = [
  { label: 'fast', ms: 50 },
  { label: 'normal', ms: 500 },
  { label: 'slow', ms: 1000 },
] as const;

export const MIN_PACE_MS = 1;
export const MAX_PACE_MS = 60_000;

export function clampPace(ms: number): number {
  if (!Number.isFinite(ms)) return 500;
  return Math.min(MAX_PACE_MS, Math.max(MIN_PACE_MS, Math.round(ms)));
}

export function PaceControl({ value, onChange, testId }: { value: number; onChange: (ms: number) => void; testId: string }) {
  const id = useId();
  return (
    <div className="pace">
      <label htmlFor={id}>Pace (ms per point)</label>
      <div className="pace__row">
        <input
          id={id}
          type="number"
          min={MIN_PACE_MS}
          max={MAX_PACE_MS}
          step={10}
          value={value}
          data-testid={testId}
          onChange={(e) => onChange(clampPace(e.currentTarget.valueAsNumber))}
        />
        {PACE_PRESETS.map((p) => (
          <button
            key={p.label}
            type="button"
            className={`chip${value === p.ms ? ' chip--on' : ''}`}
            aria-pressed={value === p.ms}
            onClick={() => onChange(p.ms)}
          >
            {p.label}
          </button>
        ))}
      </div>
    </div>
  );
}
