// Pick a route, set the pace, start a trip: the original Code Delivery flow.
import { useState } from 'react';
import { useSession } from '../../app/session-context';
import { useObservable } from '../../lib/observable';
import { PaceControl } from '../../components/pace-control';
import { isActive } from '../trips/trips-model';

export function RoutePanel() {
  const session = useSession();
  const routes = useObservable(session.routes);
  const selected = useObservable(session.selectedRoute);
  const trips = useObservable(session.trips);
  const [paceMs, setPaceMs] = useState(500);
  // A refusal stays visible while its route runs; it goes once the trip is over.
  const [refusal, setRefusal] = useState<{ routeId: string; reason: string } | null>(null);
  const [starting, setStarting] = useState(false);
  // Fleets generate hundreds of routes: list the seed and user routes, the generated ones on demand.
  const [showGenerated, setShowGenerated] = useState(false);
  const generated = routes.items.filter((r) => r.source === 'generated').length;
  const listed = showGenerated ? routes.items : routes.items.filter((r) => r.source !== 'generated' || r.id === selected);

  const running = new Map(trips.filter(isActive).map((t) => [t.routeId, t.color]));

  const start = async (): Promise<void> => {
    if (!selected) return;
    setStarting(true);
    try {
      const result = await session.startTrip(selected, paceMs);
      setRefusal(result.ok || !result.duplicate ? null : { routeId: selected, reason: result.reason });
    } finally {
      setStarting(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="routes-heading">
      <h2 id="routes-heading">Routes</h2>
      {routes.status === 'loading' && routes.items.length === 0 ? <p className="muted">loading routes…</p> : null}
      {routes.status === 'error' ? (
        <p className="muted">
          Routes unavailable.{' '}
          <button type="button" className="link-button" onClick={() => void session.loadRoutes()}>
            retry
          </button>
        </p>
      ) : null}
      {routes.status === 'ready' && routes.items.length === 0 ? <p className="muted">The api has no routes.</p> : null}
      <ul className="route-list" data-testid="route-list">
        {listed.map((route) => (
          <li key={route.id}>
            <button
              type="button"
              className={`route${selected === route.id ? ' route--selected' : ''}`}
              aria-pressed={selected === route.id}
              data-testid={`route-${route.id}`}
              onClick={() => {
                setRefusal(null);
                session.selectRoute(route.id);
              }}
            >
              <span className="route__title">{route.title}</span>
              <span className="route__meta">
                #{route.id}
                {route.pointCount !== undefined ? ` · ${route.pointCount} points` : ''}
              </span>
              {running.has(route.id) ? (
                <span className="route__running" style={{ background: running.get(route.id) }}>
                  running
                </span>
              ) : null}
            </button>
          </li>
        ))}
      </ul>
      {generated > 0 ? (
        <button type="button" className="link-button" onClick={() => setShowGenerated(!showGenerated)}>
          {showGenerated ? 'hide' : 'show'} {generated} generated routes
        </button>
      ) : null}
      <PaceControl value={paceMs} onChange={setPaceMs} testId="pace-input" />
      <button type="button" className="primary" data-testid="start-trip" disabled={!selected || starting} onClick={() => void start()}>
        {starting ? 'Starting…' : selected ? `Start trip on "${session.routeTitle(selected)}"` : 'Pick a route to start a trip'}
      </button>
      {refusal && running.has(refusal.routeId) ? (
        <p className="inline-warning" role="alert" data-testid="route-message">
          {refusal.reason}
        </p>
      ) : null}
    </section>
  );
}
