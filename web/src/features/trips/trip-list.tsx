// The trips this page started: colour, status, progress; click one for its details.
import { useSession } from '../../app/session-context';
import { useObservable } from '../../lib/observable';
import { formatPercent, shortId } from '../../lib/format';
import { isActive, type UserTrip } from './trips-model';

function progressOf(trip: UserTrip): number {
  if (trip.total === undefined || trip.lastSeq === undefined) return trip.status === 'finished' ? 1 : 0;
  return (trip.lastSeq + 1) / trip.total;
}

export function TripList() {
  const session = useSession();
  const trips = useObservable(session.trips);
  const selected = useObservable(session.selectedTrip);
  // Re-rendered with the stats so the marker position in data-marker stays current.
  useObservable(session.stats);

  return (
    <section className="panel" aria-labelledby="trips-heading">
      <h2 id="trips-heading">Your trips</h2>
      {trips.length === 0 ? <p className="muted">No trips yet: pick a route and start one.</p> : null}
      <ul className="trip-list">
        {trips.map((trip) => {
          const marker = trip.tripId ? session.markerOf(trip.tripId) : undefined;
          return (
            <li
              key={trip.key}
              className={`trip${trip.tripId && trip.tripId === selected ? ' trip--selected' : ''}`}
              data-testid="trip-row"
              data-trip-id={trip.tripId ?? ''}
              data-route-id={trip.routeId}
              data-status={trip.status}
              data-marker={marker ? `${marker[0].toFixed(6)},${marker[1].toFixed(6)}` : ''}
            >
              <button
                type="button"
                className="trip__main"
                disabled={!trip.tripId}
                onClick={() => trip.tripId && session.selectTrip(trip.tripId)}
              >
                <span className="swatch" style={{ background: trip.color }} aria-hidden="true" />
                <span className="trip__title">{trip.routeTitle}</span>
                <span className={`status status--${trip.status}`}>{trip.status}</span>
                <span className="trip__meta">
                  {trip.tripId ? shortId(trip.tripId) : '…'} · {formatPercent(progressOf(trip))}
                </span>
              </button>
              {!isActive(trip) ? (
                <button type="button" className="link-button" onClick={() => session.dismissTrip(trip)}>
                  clear
                </button>
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
