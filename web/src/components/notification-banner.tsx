// Errors from the api (its own message) and notices, stacked top-right; errors stay until dismissed.
import type { Notification } from '../lib/notifications';

export function NotificationBanner({ items, onDismiss }: { items: readonly Notification[]; onDismiss: (id: number) => void }) {
  if (items.length === 0) return null;
  return (
    <div className="notifications" data-testid="notifications">
      {items.map((n) => (
        <div
          key={n.id}
          className={`notification notification--${n.kind}`}
          role={n.kind === 'error' || n.kind === 'warning' ? 'alert' : 'status'}
          data-testid={`notification-${n.kind}`}
        >
          <span className="notification__message">{n.message}</span>
          <button type="button" className="notification__close" aria-label="dismiss" onClick={() => onDismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
