import { describe, expect, it } from 'vitest';
import { CONNECT, decode, encodeEvent, freshnessOf, PONG, socketIoUrl } from './socketio.ts';

describe('socket.io framing', () => {
  it('builds the engine.io v4 websocket URL', () => {
    expect(socketIoUrl('http://127.0.0.1:3000/')).toBe('ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket');
    expect(socketIoUrl('https://lab.example')).toBe('wss://lab.example/socket.io/?EIO=4&transport=websocket');
    expect(() => socketIoUrl('ftp://x')).toThrow();
  });

  it('encodes connect, pong and events, with and without an ack id', () => {
    expect(CONNECT).toBe('40');
    expect(PONG).toBe('3');
    expect(encodeEvent('subscribe-fleet', { fleetId: 'f1' })).toBe('42["subscribe-fleet",{"fleetId":"f1"}]');
    expect(encodeEvent('subscribe-fleet', { fleetId: 'f1' }, 7)).toBe('427["subscribe-fleet",{"fleetId":"f1"}]');
    expect(encodeEvent('ping-me')).toBe('42["ping-me"]');
  });

  it('decodes what the server sends', () => {
    expect(decode('0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}')).toEqual({
      kind: 'open',
      sid: 'abc',
      pingInterval: 25000,
      pingTimeout: 20000,
    });
    expect(decode('2')).toEqual({ kind: 'ping' });
    expect(decode('40{"sid":"xyz"}')).toEqual({ kind: 'connect', sid: 'xyz' });
    expect(decode('42["positions",[{"ts":"2026-01-01T00:00:00.000Z"}]]')).toEqual({
      kind: 'event',
      event: 'positions',
      args: [[{ ts: '2026-01-01T00:00:00.000Z' }]],
      ackId: undefined,
    });
    expect(decode('4312[{"ok":true,"room":"fleet:f1"}]')).toEqual({ kind: 'ack', ackId: 12, args: [{ ok: true, room: 'fleet:f1' }] });
    expect(decode('44{"message":"Invalid namespace"}')).toEqual({ kind: 'connect_error', message: 'Invalid namespace' });
    expect(decode('41')).toEqual({ kind: 'disconnect' });
    expect(decode('42not json').kind).toBe('unknown');
    expect(decode('6').kind).toBe('unknown');
  });

  it('measures freshness from each position event time', () => {
    const now = Date.parse('2026-01-01T00:00:01.000Z');
    expect(freshnessOf([{ ts: '2026-01-01T00:00:00.750Z' }, { ts: 'garbage' }, {}, { ts: '2026-01-01T00:00:00.000Z' }], now)).toEqual([250, 1000]);
    expect(freshnessOf('nope', now)).toEqual([]);
  });
});
