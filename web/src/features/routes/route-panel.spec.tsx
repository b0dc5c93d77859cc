import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { SocketErrorCodes, socketError } from '@fleetlab/contracts';
import { LiveSession } from '../../app/live-session';
import { SessionProvider } from '../../app/session-context';
import { ApiClient } from '../../lib/api-client';
import { resolveConfig } from '../../config/env';
import { useObservable } from '../../lib/observable';
import { NotificationBanner } from '../../components/notification-banner';
import { FakeSocket, ManualFrames, fakeFetch, jsonResponse } from '../../test/fakes';
import { RoutePanel } from './route-panel';
import { TripList } from '../trips/trip-list';

afterEach(cleanup);

const ROUTES = [
  { id: '1', title: 'Primeiro', startPosition: [-47.929, -15.826], endPosition: [-47.9, -15.8], pointCount: 3, source: 'seed' },
  { id: '2', title: 'Segundo', startPosition: [-47.93, -15.83], endPosition: [-47.91, -15.81], pointCount: 3, source: 'seed' },
];
const ROUTE_2 = { id: '2', title: 'Segundo', startPosition: [-47.93, -15.83], endPosition: [-47.91, -15.81], points: [[-47.93, -15.83], [-47.92, -15.82], [-47.91, -15.81]] };

function Banner() {
  const { notifications } = useSessionForTest();
  const items = useObservable(notifications);
  return <NotificationBanner items={items} onDismiss={(id) => notifications.dismiss(id)} />;
}

let current: LiveSession;
const useSessionForTest = (): LiveSession => current;

function setup(routes: Record<string, (body: unknown) => Response> = {}) {
  const socket = new FakeSocket();
  const frames = new ManualFrames();
  const api = fakeFetch({
    'GET /routes': () => jsonResponse(200, ROUTES),
    'GET /routes/2': () => jsonResponse(200, ROUTE_2),
    ...routes,
  });
  const config = resolveConfig({ env: {}, origin: 'http://127.0.0.1:5173' });
  current = new LiveSession({ config, api: new ApiClient(config.apiUrl, api.fn), socketFactory: () => socket, schedule: frames.schedule });
  render(
    <SessionProvider session={current}>
      <Banner />
      <RoutePanel />
      <TripList />
    </SessionProvider>,
  );
  return { socket, frames, api, session: current };
}

const position = (tripId: string, seq: number, finished = false) => ({
  routeId: '2',
  clientId: 'socket-1',
  tripId,
  vehicleId: 'vehicle-1',
  seq,
  total: 3,
  finished,
  ts: new Date().toISOString(),
  position: ROUTE_2.points[seq],
});

describe('route list and starting a trip', () => {
  it('lists the routes, starts one over the socket at the chosen pace and follows its vehicle to the finish', async () => {
    const { socket, frames, session } = setup();
    act(() => socket.open('socket-1'));
    await act(() => session.loadRoutes());
    expect(screen.getByTestId('route-1').textContent).toContain('Primeiro');

    fireEvent.click(screen.getByTestId('route-2'));
    fireEvent.change(screen.getByTestId('pace-input'), { target: { value: '50' } });
    fireEvent.click(screen.getByTestId('start-trip'));

    const direction = socket.last('new-direction')!;
    expect(direction.payload).toEqual({ routeId: '2', paceMs: 50 });
    await act(async () => direction.ack!({ tripId: 'trip-abc' }));
    expect(socket.last('subscribe-trip')!.payload).toEqual({ tripId: 'trip-abc' });

    const row = screen.getByTestId('trip-row');
    expect(row.dataset.tripId).toBe('trip-abc');
    expect(row.dataset.status).toBe('requested');
    expect(within(row).getByText('Segundo')).toBeTruthy();

    act(() => {
      socket.fire('new-position', position('trip-abc', 0));
      socket.fire('new-position', position('trip-abc', 1));
    });
    expect(screen.getByTestId('trip-row').dataset.status).toBe('requested'); // nothing before the frame
    act(() => frames.run());
    expect(screen.getByTestId('trip-row').dataset.status).toBe('running');
    expect(session.vehicles.get('trip-abc')!.seq).toBe(1);

    act(() => socket.fire('new-position', position('trip-abc', 2, true)));
    act(() => frames.run());
    expect(screen.getByTestId('trip-row').dataset.status).toBe('finished');
    expect(screen.getByTestId('notification-success').textContent).toContain('Trip on route "Segundo" finished');
  });

  it('refuses to start a route that is still running, and says why', async () => {
    const { socket, session } = setup();
    act(() => socket.open('socket-1'));
    await act(() => session.loadRoutes());
    fireEvent.click(screen.getByTestId('route-2'));
    fireEvent.click(screen.getByTestId('start-trip'));
    await act(async () => socket.last('new-direction')!.ack!({ tripId: 'trip-abc' }));

    fireEvent.click(screen.getByTestId('start-trip'));
    const message = await screen.findByTestId('route-message');
    expect(message.textContent).toBe('Route "Segundo" is already running (trip trip-abc). Wait for it to finish before starting it again.');
    expect(socket.emitted.filter((e) => e.event === 'new-direction')).toHaveLength(1);

    // Another route is fine: several trips at once.
    fireEvent.click(screen.getByTestId('route-1'));
    fireEvent.click(screen.getByTestId('start-trip'));
    expect(socket.emitted.filter((e) => e.event === 'new-direction')).toHaveLength(2);
  });

  it('shows the api error of a refused start and lets the route be started again', async () => {
    const { socket, session } = setup();
    act(() => socket.open('socket-1'));
    await act(() => session.loadRoutes());
    fireEvent.click(screen.getByTestId('route-2'));
    fireEvent.click(screen.getByTestId('start-trip'));
    await act(async () => socket.last('new-direction')!.ack!(socketError(SocketErrorCodes.routeNotFound, 'route 2 not found')));
    const alert = await screen.findByTestId('notification-error');
    expect(alert.textContent).toContain('Could not start route "Segundo": route 2 not found');
    expect(screen.queryByTestId('trip-row')).toBeNull();
    fireEvent.click(screen.getByTestId('start-trip'));
    expect(socket.emitted.filter((e) => e.event === 'new-direction')).toHaveLength(2);
  });
});

describe('error banner', () => {
  it("shows the api's own error message, never swallowing it", async () => {
    const { session } = setup({
      'GET /routes': () => jsonResponse(503, { statusCode: 503, error: 'Service Unavailable', message: 'database not ready' }),
    });
    await act(() => session.loadRoutes());
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('GET /routes: database not ready');
    fireEvent.click(within(alert).getByRole('button', { name: 'dismiss' }));
    await waitFor(() => expect(screen.queryByTestId('notification-error')).toBeNull());
  });

  it('names every offending field of a 400', async () => {
    const { session } = setup({
      'POST /fleets': () =>
        jsonResponse(400, { statusCode: 400, error: 'Bad Request', message: 'invalid body', fields: [{ field: 'vehicles', message: 'Number must be less than or equal to 20000' }] }),
    });
    await act(async () => {
      await session.startFleet({ vehicles: 30_000, paceMs: 500 });
    });
    expect(screen.getByTestId('notification-error').textContent).toContain('POST /fleets: invalid body (vehicles: Number must be less than or equal to 20000)');
  });
});

describe('api client', () => {
  it('turns a request the api never answers into an error', async () => {
    const hang = (_: string, init?: RequestInit) =>
      new Promise<Response>((_, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    const api = new ApiClient('http://127.0.0.1:3000', hang, 20);
    await expect(api.listRoutes()).rejects.toThrow('GET /routes: no answer from the api within 0.02 s');
  });
});
