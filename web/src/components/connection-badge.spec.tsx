import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, act } from '@testing-library/react';
import { ConnectionBadge } from './connection-badge';
import { initialConnection, nextConnection } from '../lib/connection-state';
import { SocketConnection } from '../lib/socket-connection';
import { useObservable } from '../lib/observable';
import { FakeSocket } from '../test/fakes';

afterEach(cleanup);

function LiveBadge({ connection }: { connection: SocketConnection }) {
  const state = useObservable(connection.state);
  return <ConnectionBadge state={state} apiUrl="http://127.0.0.1:3000" onReconnect={() => connection.reconnect()} />;
}

describe('ConnectionBadge', () => {
  it('follows the socket: connecting, connected, reconnecting, disconnected', () => {
    const socket = new FakeSocket();
    const connection = new SocketConnection(socket);
    render(<LiveBadge connection={connection} />);
    const badge = screen.getByTestId('connection-badge');
    expect(badge.dataset.status).toBe('connecting');

    act(() => socket.open());
    expect(badge.dataset.status).toBe('connected');
    expect(badge.textContent).toContain('connected');

    act(() => socket.fire('disconnect', 'transport close'));
    expect(badge.dataset.status).toBe('reconnecting');
    act(() => socket.fireManager('reconnect_attempt', 3));
    expect(badge.textContent).toContain('reconnecting… (attempt 3)');
    expect(badge.textContent).toContain('transport close');

    act(() => socket.fireManager('reconnect_failed'));
    expect(badge.dataset.status).toBe('disconnected');
    expect(screen.getByRole('button', { name: 'reconnect' })).toBeTruthy();

    act(() => socket.open('socket-2'));
    expect(badge.dataset.status).toBe('connected');
  });

  it('shows a failed first connection as reconnecting with the reason', () => {
    const state = nextConnection(initialConnection, { type: 'connect_error', message: 'xhr poll error' });
    render(<ConnectionBadge state={state} apiUrl="http://127.0.0.1:3000" />);
    const badge = screen.getByTestId('connection-badge');
    expect(badge.dataset.status).toBe('reconnecting');
    expect(badge.textContent).toContain('xhr poll error');
  });

  it('is disconnected for good after the page closes the socket', () => {
    expect(nextConnection({ status: 'connected', attempt: 0 }, { type: 'disconnect', reason: 'io client disconnect' }).status).toBe('disconnected');
  });
});
