// Always-visible state of the socket to the api.
import type { ConnectionState } from '../lib/connection-state';

const LABELS: Record<ConnectionState['status'], string> = {
  connecting: 'connecting…',
  connected: 'connected',
  reconnecting: 'reconnecting…',
  disconnected: 'disconnected',
};

export function ConnectionBadge({ state, apiUrl, onReconnect }: { state: ConnectionState; apiUrl: string; onReconnect?: () => void }) {
  const attempt = state.status === 'reconnecting' && state.attempt > 0 ? ` (attempt ${state.attempt})` : '';
  return (
    <div className={`connection connection--${state.status}`} data-testid="connection-badge" data-status={state.status} role="status" aria-live="polite">
      <span className="connection__dot" aria-hidden="true" />
      <span className="connection__label">
        {LABELS[state.status]}
        {attempt}
      </span>
      <span className="connection__detail" title={apiUrl}>
        {state.status === 'connected' ? apiUrl : state.detail ? `${state.detail} · ${apiUrl}` : apiUrl}
      </span>
      {state.status === 'disconnected' && onReconnect ? (
        <button type="button" className="link-button" onClick={onReconnect}>
          reconnect
        </button>
      ) : null}
    </div>
  );
}
