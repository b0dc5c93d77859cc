// Start a fleet (size, pace, routes) and watch its trips: active and finished counts, polled and streamed.
import { useId, useState } from 'react';
import { useSession } from '../../app/session-context';
import { useObservable } from '../../lib/observable';
import { PaceControl } from '../../components/pace-control';
import { shortId } from '../../lib/format';
import { activeTrips, isSettled, type FleetState } from './fleets-model';

const MAX_VEHICLES = 20_000;

export function FleetPanel() {
  const session = useSession();
  const fleets = useObservable(session.fleets);
  const stats = useObservable(session.stats);
  const roadLines = useObservable(session.routesRoom.roadLines);
  const geometry = useObservable(session.routeGeometry);
  const linesDrawn = [...roadLines.keys()].filter((id) => geometry.has(id)).length;
  const [vehicles, setVehicles] = useState(200);
  const [paceMs, setPaceMs] = useState(500);
  const [generated, setGenerated] = useState(true);
  const [seed, setSeed] = useState(42);
  const [starting, setStarting] = useState(false);
  const sizeId = useId();
  const seedId = useId();

  const start = async (): Promise<void> => {
    setStarting(true);
    try {
      await session.startFleet({ vehicles, paceMs, generateSeed: generated ? seed : undefined });
    } finally {
      setStarting(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="fleets-heading">
      <h2 id="fleets-heading">Fleets</h2>
      <label htmlFor={sizeId}>Vehicles</label>
      <input
        id={sizeId}
        type="number"
        min={1}
        max={MAX_VEHICLES}
        value={vehicles}
        data-testid="fleet-size"
        onChange={(e) => setVehicles(Math.min(MAX_VEHICLES, Math.max(1, Math.round(e.currentTarget.valueAsNumber || 1))))}
      />
      <PaceControl value={paceMs} onChange={setPaceMs} testId="fleet-pace" />
      <label className="check">
        <input type="checkbox" checked={generated} onChange={(e) => setGenerated(e.currentTarget.checked)} data-testid="fleet-generated" />
        spread over generated routes
      </label>
      {generated ? (
        <div className="inline-field">
          <label htmlFor={seedId}>seed</label>
          <input id={seedId} type="number" min={0} value={seed} data-testid="fleet-seed" onChange={(e) => setSeed(Math.max(0, Math.round(e.currentTarget.valueAsNumber || 0)))} />
        </div>
      ) : (
        <p className="muted">Vehicles take the seed routes round-robin.</p>
      )}
      <button type="button" className="primary" data-testid="start-fleet" disabled={starting} onClick={() => void start()}>
        {starting ? 'Starting…' : `Start a fleet of ${vehicles}`}
      </button>
      <p className="muted" data-testid="vehicles-drawn" data-count={stats.vehiclesDrawn} data-frames={stats.framesApplied}>
        {stats.vehiclesDrawn} vehicles drawn
      </p>
      <p className="muted" data-testid="road-lines" data-count={linesDrawn}>
        {linesDrawn} route lines of vehicles on the road
      </p>
      <ul className="fleet-list">
        {fleets.map((fleet) => (
          <FleetCard key={fleet.fleetId} fleet={fleet} />
        ))}
      </ul>
    </section>
  );
}

function FleetCard({ fleet }: { fleet: FleetState }) {
  const session = useSession();
  const drawn = useObservable(session.stats).drawnByFleet[fleet.fleetId] ?? 0;
  const settled = isSettled(fleet);
  const c = fleet.counts;
  return (
    <li className="fleet" data-testid="fleet-card" data-fleet-id={fleet.fleetId} data-origin={fleet.origin}>
      <div className="fleet__title">
        <span className="swatch" style={{ background: fleet.color }} aria-hidden="true" />
        <strong title={fleet.fleetId}>fleet {shortId(fleet.fleetId)}</strong>
        {fleet.origin === 'running' ? <span className="muted">on the road</span> : null}
        <span className={`status status--${settled ? 'finished' : fleet.status}`}>{settled && fleet.status !== 'cancelled' ? 'done' : fleet.status}</span>
      </div>
      <dl className="fleet__counts">
        <dt>vehicles</dt>
        <dd>{fleet.vehicles}</dd>
        <dt>on the map</dt>
        <dd data-testid="fleet-drawn" data-count={drawn}>
          {drawn}
        </dd>
        <dt>active</dt>
        <dd data-testid="fleet-active">{activeTrips(fleet)}</dd>
        <dt>finished</dt>
        <dd data-testid="fleet-finished" title="finished trips per the api · finished events seen by this page">
          {c ? c.finished : '–'} · {fleet.finishedEvents} seen
        </dd>
        {c && c.cancelled > 0 ? (
          <>
            <dt>cancelled</dt>
            <dd>{c.cancelled}</dd>
          </>
        ) : null}
      </dl>
      <div className="fleet__actions">
        {!settled && fleet.fleetId !== 'bench' ? (
          <button type="button" className="link-button" onClick={() => void session.stopFleet(fleet.fleetId)}>
            stop
          </button>
        ) : null}
        <button type="button" className="link-button" onClick={() => session.removeFleet(fleet.fleetId)}>
          remove from map
        </button>
      </div>
    </li>
  );
}
