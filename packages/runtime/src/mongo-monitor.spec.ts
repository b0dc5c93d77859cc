import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MONGO_MONITOR_STUCK_AFTER_MS, MongoMonitorWatch } from './mongo-monitor';

const address = '127.0.0.1:27017';

function setup(stuckAfterMs = 1_000) {
  let now = 0;
  const client = new EventEmitter();
  const watch = new MongoMonitorWatch(client, { stuckAfterMs, now: () => now });
  return { client, watch, advance: (ms: number) => (now += ms) };
}

afterEach(() => vi.useRealTimers());

describe('MongoMonitorWatch', () => {
  it('sees nothing wrong while heartbeats end, passed or failed, however long the server is away', () => {
    const { client, watch, advance } = setup();
    for (let i = 0; i < 100; i++) {
      client.emit('serverHeartbeatStarted', { connectionId: address });
      advance(900);
      client.emit(i % 2 ? 'serverHeartbeatFailed' : 'serverHeartbeatSucceeded', { connectionId: address });
      advance(5_000);
      expect(watch.problem()).toBeUndefined();
    }
  });

  it('names the server whose heartbeat started and never ended past the bound', () => {
    const { client, watch, advance } = setup();
    client.emit('serverHeartbeatStarted', { connectionId: address });
    advance(1_000);
    expect(watch.problem()).toBeUndefined();
    // A second start of the same server (a streaming monitor) does not reset the clock.
    client.emit('serverHeartbeatStarted', { connectionId: address });
    advance(1);
    expect(watch.problem()).toMatch(/monitor of 127\.0\.0\.1:27017 has waited 1 s .*wedged/);
  });

  it('tells one server from another', () => {
    const { client, watch, advance } = setup();
    client.emit('serverHeartbeatStarted', { connectionId: 'a:1' });
    client.emit('serverHeartbeatStarted', { connectionId: 'b:1' });
    client.emit('serverHeartbeatFailed', { connectionId: 'a:1' });
    advance(2_000);
    expect(watch.problem()).toMatch(/monitor of b:1/);
  });

  it('gives up once, on the first check past the bound', () => {
    vi.useFakeTimers();
    const client = new EventEmitter();
    const watch = new MongoMonitorWatch(client);
    const onWedged = vi.fn();
    watch.start(onWedged, 5_000);
    client.emit('serverHeartbeatStarted', { connectionId: address });
    vi.advanceTimersByTime(MONGO_MONITOR_STUCK_AFTER_MS);
    expect(onWedged).not.toHaveBeenCalled();
    vi.advanceTimersByTime(10_000);
    expect(onWedged).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60_000);
    expect(onWedged).toHaveBeenCalledTimes(1);
  });

  it('bounds a working heartbeat generously: a connect and a handshake at the connect timeout, after a streaming wait', () => {
    expect(MONGO_MONITOR_STUCK_AFTER_MS).toBeGreaterThan(2 * 10_000 + 10_000);
  });
});
