// The scenario server's routes on a state written by hand (no lab, no scenario process; the browser test plays them
// against the real lab): the course, the trainee's view, hints, answers refused naming the field, unknown faults.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findScenario } from './catalog';
import { newState } from './game';
import { startScenarioServer } from './server';
import { ScenarioStore } from './store';

const dir = mkdtempSync(join(tmpdir(), 'fleetlab-scenario-server-'));
const store = new ScenarioStore(dir);
let server: Awaited<ReturnType<typeof startScenarioServer>>;

beforeAll(async () => {
  server = await startScenarioServer({ store, port: 0, labDir: join(dir, 'no-lab') });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
  const response = await fetch(`${server.url}${path}`, { method, headers: body === undefined ? undefined : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('the scenario server', () => {
  it('lists the course and says when nothing was started', async () => {
    const list = await call('GET', '/scenarios');
    expect((list.body as unknown as unknown[]).length).toBeGreaterThanOrEqual(10);
    expect((await call('GET', '/state')).body).toEqual({ active: false });
    expect((await call('POST', '/hint')).status).toBe(404);
    expect((await call('POST', '/start', { number: 'x' })).body).toMatchObject({ field: 'number' });
  });

  it('serves hints one at a time, refuses bad answers naming the field, and checks the right one', async () => {
    const loaded = findScenario('5');
    const state = newState(5, loaded.id, loaded.scenario.title);
    state.phase = 'broken';
    store.writePlay(state);
    store.writeTrainee(state);
    const hint = await call('POST', '/hint');
    expect(hint.body.hint).toEqual({ index: 1, text: loaded.scenario.hints[0] });
    expect((await call('GET', '/state')).body).toMatchObject({ number: 5, hints: [loaded.scenario.hints[0]], hintsLeft: 2 });
    expect(await call('POST', '/answer', { answers: 'api' })).toMatchObject({ status: 400, body: { field: 'answers' } });
    expect(await call('POST', '/answer', { answers: { service: 'api' } })).toMatchObject({ status: 400, body: { field: 'answers.cause' } });
    expect(await call('POST', '/answer', { answers: { service: 'nope', cause: 1, signal: 1 } })).toMatchObject({ status: 400, body: { field: 'answers.service' } });
    const wrong = await call('POST', '/answer', { answers: { service: 'consumer', cause: 1, signal: 1 } });
    expect(wrong.body).toMatchObject({ lastAnswer: { correct: false }, verdict: { status: 'not-yet' } });
    expect(wrong.body.explanations).toBeUndefined();
    const right = await call('POST', '/answer', { answers: { service: 'api', cause: 1, signal: 1 } });
    expect(right.body).toMatchObject({ lastAnswer: { correct: true } });
    expect(right.body.explanations).toHaveLength(3);
    expect(await call('DELETE', '/faults/not-ours')).toMatchObject({ status: 404, body: { field: 'id' } });
    const bad = await fetch(`${server.url}/answer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(bad.status).toBe(400);
  });
});
