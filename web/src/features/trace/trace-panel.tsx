// The selected trip's trace as a waterfall: one row per span in tree order, its bar placed in time, coloured by
// service, failed spans in red with the reason; a link to Jaeger's UI where the lab has one.
import { useEffect } from 'react';
import { useSession } from '../../app/session-context';
import { useObservable } from '../../lib/observable';
import { colorOfService } from './service-colors';
import { formatMicros, type Waterfall } from './waterfall';

export function TracePanel() {
  const session = useSession();
  const tripId = useObservable(session.selectedTrip);
  const state = useObservable(session.traces.state);
  useEffect(() => {
    void session.traces.show(tripId);
  }, [session, tripId]);
  if (!tripId || state.status === 'off') return null;
  return (
    <section className="trace" data-testid="trace-panel" data-status={state.status} aria-labelledby="trace-heading">
      <header className="trace__header">
        <h2 id="trace-heading">Trace of trip {tripId}</h2>
        <button type="button" className="link-button" data-testid="trace-reload" onClick={() => void session.traces.show(tripId)}>
          reload
        </button>
      </header>
      {state.status === 'loading' ? <p className="muted">Asking Jaeger…</p> : null}
      {state.status === 'none' ? (
        <p className="muted" data-testid="trace-none">
          No trace recorded for this trip yet. Only the first trips of each fleet are traced (docs/telemetry.md, FLEET_TRACED_TRIPS);
          a trip just started may not have reached Jaeger: reload in a few seconds.
        </p>
      ) : null}
      {state.status === 'error' ? (
        <p className="inline-warning" role="alert">
          {state.message}
        </p>
      ) : null}
      {state.status === 'ready' ? <WaterfallView waterfall={state.waterfall} jaegerUrl={session.config.jaegerUrl} /> : null}
    </section>
  );
}

function WaterfallView({ waterfall, jaegerUrl }: { waterfall: Waterfall; jaegerUrl: string }) {
  return (
    <>
      <p className="trace__summary" data-testid="trace-summary" data-spans={waterfall.spanCount} data-errors={waterfall.errorCount}>
        {waterfall.spanCount} spans · {formatMicros(waterfall.durationUs)} ·{' '}
        {waterfall.errorCount > 0 ? <span className="trace__errors">{waterfall.errorCount} failed</span> : 'no errors'} ·{' '}
        {waterfall.services.map((s) => (
          <span key={s} className="trace__service" data-testid="trace-service">
            <span className="swatch" style={{ background: colorOfService(s) }} aria-hidden="true" /> {s}
          </span>
        ))}
        {jaegerUrl ? (
          <a href={`${jaegerUrl}/trace/${waterfall.traceId}`} target="_blank" rel="noreferrer" data-testid="trace-jaeger-link">
            open in Jaeger
          </a>
        ) : (
          <span className="muted" title="the no-cluster lab's Jaeger is built without its UI">
            trace {waterfall.traceId}
          </span>
        )}
      </p>
      <div className="waterfall" role="table" aria-label="spans">
        {waterfall.rows.map((row) => (
          <div
            key={row.spanId}
            className={`waterfall__row${row.error ? ' waterfall__row--error' : ''}`}
            role="row"
            data-testid="span-row"
            data-service={row.service}
            data-error={row.error}
          >
            <span className="waterfall__name" role="cell" style={{ paddingLeft: `${row.depth * 10}px` }} title={`${row.service}: ${row.operation}`}>
              <span className="swatch" style={{ background: colorOfService(row.service) }} aria-hidden="true" />
              <span className="waterfall__service">{row.service}</span> {row.operation}
            </span>
            <span className="waterfall__track" role="cell">
              <span
                className="waterfall__bar"
                style={{ left: `${row.offset * 100}%`, width: `max(${row.width * 100}%, 2px)`, background: row.error ? undefined : colorOfService(row.service) }}
                title={`starts at +${formatMicros(row.startUs)}, lasts ${formatMicros(row.durationUs)}${row.errorMessage ? `: ${row.errorMessage}` : ''}`}
              />
            </span>
            <span className="waterfall__duration" role="cell">
              {formatMicros(row.durationUs)}
              {row.error ? <span className="waterfall__error"> ✕ {row.errorMessage ?? 'error'}</span> : null}
            </span>
          </div>
        ))}
        {waterfall.hidden > 0 ? <p className="muted">{waterfall.hidden} more spans not drawn.</p> : null}
      </div>
    </>
  );
}
