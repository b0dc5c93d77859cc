// The page: header with the connection; the controls (routes, trips, fleets) on the left; the map with the selected
// trip's details and trace below it; the cockpit on the right (SLOs and alerts, then the scenario panel's slot).
import { useSession } from './session-context';
import { useObservable } from '../lib/observable';
import { ConnectionBadge } from '../components/connection-badge';
import { NotificationBanner } from '../components/notification-banner';
import { RoutePanel } from '../features/routes/route-panel';
import { TripList } from '../features/trips/trip-list';
import { TripDetails } from '../features/trips/trip-details';
import { FleetPanel } from '../features/fleets/fleet-panel';
import { FleetMap } from '../features/map/fleet-map';
import { SloPanel } from '../features/slo/slo-panel';
import { TracePanel } from '../features/trace/trace-panel';
import { ScenarioSlot } from '../features/scenario/scenario-slot';
import { initialConnection } from '../lib/connection-state';
import { Observable } from '../lib/observable';

const benchConnection = new Observable({ ...initialConnection, status: 'disconnected' as const, detail: 'bench mode, no api' });

export function App() {
  const session = useSession();
  const connection = useObservable(session.connection?.state ?? benchConnection);
  const notifications = useObservable(session.notifications);
  const selectedTrip = useObservable(session.selectedTrip);
  return (
    <div className="layout">
      <header className="topbar">
        <h1>fleetlab · cockpit</h1>
        <ConnectionBadge state={connection} apiUrl={session.config.apiUrl} onReconnect={session.connection ? () => session.connection?.reconnect() : undefined} />
      </header>
      <NotificationBanner items={notifications} onDismiss={(id) => session.notifications.dismiss(id)} />
      <nav className="sidebar" aria-label="controls">
        <RoutePanel />
        <TripList />
        <FleetPanel />
      </nav>
      <main className="main">
        <div className="main__map">
          <FleetMap />
        </div>
        {selectedTrip ? (
          <div className="dock" data-testid="trip-dock">
            <TripDetails />
            <TracePanel />
          </div>
        ) : null}
      </main>
      <aside className="cockpit" aria-label="cockpit">
        <SloPanel />
        {/* The scenario panel (features/scenario) renders here, below the SLOs it is judged by. */}
        <ScenarioSlot />
      </aside>
    </div>
  );
}
