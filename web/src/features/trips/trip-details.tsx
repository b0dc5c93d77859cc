// Details of one trip (this page's or any fleet vehicle's): status, progress, last position, freshness, and links
// into its trace and dashboards.
import { useEffect, useState } from 'react';
import { useSession } from '../../app/session-context';
import { useObservable } from '../../lib/observable';
import type { Trip } from '../../lib/api-types';
import { formatAge, formatPercent, formatTime } from '../../lib/format';
import { tripLinks } from '../../lib/links';

const POLL_MS = 2_000;

export function TripDetails() {
  const session = useSession();
  const tripId = useObservable(session.selectedTrip);
  if (!tripId) return null;
  return <TripDetailsOf key={tripId} tripId={tripId} />;
}

function TripDetailsOf({ tripId }: { tripId: string }) {
  const session = useSession();
  const [trip, setTrip] = useState<Trip | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    let live = true;
    const load = (): void => {
      session.api.getTrip(tripId).then(
        (t) => {
          if (!live) return;
          setTrip(t);
          setError(null);
          session.trips.applyTrip(t);
        },
        (e: Error) => {
          if (!live) return;
          setError(e.message);
        },
      );
    };
    load();
    const poll = setInterval(load, POLL_MS);
    const tick = setInterval(() => setNow(Date.now()), 500);
    return () => {
      live = false;
      clearInterval(poll);
      clearInterval(tick);
    };
  }, [session, tripId]);

  // The live stream is fresher than the api's stored view: prefer the vehicle's last position seen here.
  const vehicle = session.vehicles.get(tripId);
  const lastTs = latest(vehicle?.ts, trip?.lastTs);
  const total = trip?.total ?? vehicle?.total;
  const seen = vehicle ? vehicle.seq + 1 : undefined;
  const progress = total && seen !== undefined ? Math.max(seen / total, trip?.progress ?? 0) : (trip?.progress ?? 0);
  const status = vehicle?.finished && trip?.status !== 'cancelled' ? 'finished' : (trip?.status ?? (vehicle ? 'running' : 'loading'));
  const freshness = lastTs ? now - Date.parse(lastTs) : Number.NaN;
  const links = tripLinks(session.config, {
    tripId,
    routeId: trip?.routeId ?? vehicle?.routeId,
    vehicleId: trip?.vehicleId ?? vehicle?.vehicleId,
    fleetId: trip?.fleetId ?? vehicle?.fleetId,
  });

  return (
    <aside className="details" data-testid="trip-details" aria-labelledby="details-heading">
      <header className="details__header">
        <h2 id="details-heading">Trip {tripId}</h2>
        <button type="button" className="notification__close" aria-label="close details" onClick={() => session.selectTrip(null)}>
          ×
        </button>
      </header>
      {error ? (
        <p className="inline-warning" role="alert">
          {error}
        </p>
      ) : null}
      <dl className="details__grid">
        <dt>Status</dt>
        <dd data-testid="detail-status">{status}</dd>
        <dt>Progress</dt>
        <dd data-testid="detail-progress">
          {formatPercent(progress)}
          {total ? ` (${seen ?? trip?.count ?? 0} / ${total})` : ''}
        </dd>
        <dt>Route</dt>
        <dd>{trip?.routeId ?? vehicle?.routeId ?? '–'}</dd>
        <dt>Vehicle</dt>
        <dd>{trip?.vehicleId ?? vehicle?.vehicleId ?? '–'}</dd>
        {trip?.fleetId ?? vehicle?.fleetId ? (
          <>
            <dt>Fleet</dt>
            <dd>{trip?.fleetId ?? vehicle?.fleetId}</dd>
          </>
        ) : null}
        <dt>Last position</dt>
        <dd data-testid="detail-last-ts">{formatTime(lastTs)}</dd>
        <dt>Freshness</dt>
        <dd data-testid="detail-freshness" title="now − event time of the last position">
          {formatAge(freshness)}
        </dd>
      </dl>
      {links.length > 0 ? (
        <ul className="details__links">
          {links.map((link) => (
            <li key={link.label}>
              <a href={link.href} target="_blank" rel="noreferrer">
                {link.label}
              </a>
            </li>
          ))}
        </ul>
      ) : null}
    </aside>
  );
}

function latest(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}
