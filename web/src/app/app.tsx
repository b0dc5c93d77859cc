// The page: header with the connection, the side panel (routes, trips, fleets), the map and the trip details.
import { useSession } from './session-context';
import { useObservable } from '../lib/observable';
import { ConnectionBadge } from '../components/connection-badge';
import { NotificationBanner } from '../components/notification-banner';
import { RoutePanel } from '../features/routes/route-panel';
import { TripList } from '../features/trips/trip-list';
import { TripDetails } from '../features/trips/trip-details';
import { FleetPanel } from '../features/fleets/fleet-panel';
import { FleetMap } from '../features/map/fleet-map';
import { initialConnection } from '../lib/connection-state';
import { Observable } from '../lib/observable';

const benchConnection = new Observable({ ...initialConnection, status: 'disconnected' as const, detail: 'bench mode, no api' });

export function App() {
  const session = useSession();
  const connection = useObservable(session.connection?.state ?? benchConnection);
  const notifications = useObservable(session.notifications);
  return (
    <div className="layout">
      <header className="topbar">
        <h1>fleetlab · live map</h1>
        <ConnectionBadge state={connection} apiUrl={session.config.apiUrl} onReconnect={session.connection ? () => session.connection?.reconnect() : undefined} />
      </header>
      <NotificationBanner items={notifications} onDismiss={(id) => session.notifications.dismiss(id)} />
      <nav className="sidebar" aria-label="controls">
        <RoutePanel />
        <TripList />
        <FleetPanel />
      </nav>
      <main className="main">
        <FleetMap />
        <TripDetails />
      </main>
    </div>
  );
}
