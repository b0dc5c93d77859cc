// The scenario panel around a fake scenario server (the real one is played in web/e2e/scenario-panel.e2e.ts): the
// course, start, faults with time left and revert, hints one at a time, the answer form, the verdict.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { ScenarioClient, scenarioServerUrl, type ScenarioView } from './scenario-api';
import { ScenarioPanel } from './scenario-panel';

afterEach(cleanup);

const active: ScenarioView = {
  active: true,
  number: 5,
  id: '05-5xx-burst',
  title: 'A 5xx burst',
  story: 'Requests fail.',
  phase: 'broken',
  now: 20_000,
  breakAt: 10_000,
  symptoms: [{ signal: 'alert', name: 'FleetlabApiHighErrorRateFastBurn', where: 'Prometheus /alerts' }],
  hints: [],
  hintsLeft: 2,
  questions: [{ id: 'service', ask: 'Which service?', choices: ['api', 'consumer'] }],
  faults: [{ id: 'f1', name: 'http api', kind: 'http', components: ['api'], expiresAt: 50_000, secondsLeft: 30 }],
  checks: [{ kind: 'alert', name: 'FleetlabApiHighErrorRateFastBurn', ok: true, afterMs: 25_000 }],
  verdict: { status: 'not-yet', answered: false, answerCorrect: false, symptomsVerified: true, restored: false, lines: ['answer: not given yet'] },
};

function fakeServer(initial: ScenarioView) {
  let view = initial;
  const calls: string[] = [];
  const fetchFn = async (url: string, init?: RequestInit): Promise<Response> => {
    const path = url.replace('http://scenarios.test', '');
    calls.push(`${init?.method ?? 'GET'} ${path}${init?.body ? ` ${String(init.body)}` : ''}`);
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (path === '/scenarios') return json(200, [{ number: 5, id: '05-5xx-burst', title: 'A 5xx burst', level: 'intermediate', teaches: 'burn' }]);
    if (path === '/state') return json(200, view);
    if (path === '/start') return json(201, (view = active));
    if (path === '/hint') return json(200, { view: (view = { ...view, hints: ['Which SLI moved?'], hintsLeft: 1 }) });
    if (path === '/answer') {
      const given = (JSON.parse(String(init?.body)) as { answers: Record<string, string> }).answers;
      if (!given.service) return json(400, { error: 'service: missing', field: 'answers.service' });
      const correct = given.service === 'api';
      view = {
        ...view,
        lastAnswer: { at: 30_000, given, correct, results: [{ id: 'service', given: given.service, correct }] },
        verdict: { status: correct ? 'solved' : 'not-yet', answered: true, answerCorrect: correct, symptomsVerified: true, restored: correct, lines: [] },
      };
      return json(200, view);
    }
    if (path.startsWith('/faults/')) {
      view = { ...view, faults: view.faults?.map((f) => ({ ...f, reverted: true, secondsLeft: 0 })) };
      return json(200, { reverted: 'f1' });
    }
    return json(404, { error: 'no route' });
  };
  return { client: new ScenarioClient('http://scenarios.test', fetchFn), calls };
}

describe('ScenarioPanel', () => {
  it('finds its server from ?scenarios=, else the default port', () => {
    expect(scenarioServerUrl('?scenarios=http://127.0.0.1:4567/')).toBe('http://127.0.0.1:4567');
    expect(scenarioServerUrl('?scenarios=javascript:alert(1)')).toBe('http://127.0.0.1:7091');
    expect(scenarioServerUrl('')).toBe('http://127.0.0.1:7091');
  });

  it('says how to start the server when there is none', async () => {
    const client = new ScenarioClient('http://127.0.0.1:1', async () => { throw new TypeError('Failed to fetch'); });
    render(<ScenarioPanel client={client} pollMs={60_000} />);
    await waitFor(() => expect(screen.getByTestId('scenario-panel').dataset.state).toBe('unreachable'));
    expect(screen.getByTestId('scenario-panel').textContent).toContain('npm run scenario -- serve');
  });

  it('starts a scenario, shows its fault with time left, reverts it, unfolds a hint, refuses a wrong answer and shows the verdict', async () => {
    const { client, calls } = fakeServer({ active: false });
    render(<ScenarioPanel client={client} pollMs={60_000} />);
    fireEvent.click(await screen.findByTestId('scenario-start-5'));
    await screen.findByTestId('scenario-active');
    expect(calls).toContain('POST /start {"number":5}');
    expect(screen.getByTestId('scenario-phase').textContent).toContain('break on for 10 s');
    expect(screen.getByTestId('fault-time-left').textContent).toBe('30 s left');

    fireEvent.click(screen.getByTestId('fault-revert'));
    await waitFor(() => expect(screen.getByTestId('scenario-faults').textContent).toContain('none'));
    expect(calls).toContain('DELETE /faults/f1');

    fireEvent.click(screen.getByTestId('scenario-hint'));
    await waitFor(() => expect(screen.getByTestId('scenario-hints').textContent).toBe('Which SLI moved?'));

    fireEvent.submit(screen.getByTestId('scenario-answer-form'));
    expect(await screen.findByTestId('scenario-problem')).toHaveProperty('textContent', 'service: missing');

    fireEvent.change(screen.getByTestId('answer-service'), { target: { value: 'consumer' } });
    fireEvent.submit(screen.getByTestId('scenario-answer-form'));
    await waitFor(() => expect(screen.getByTestId('scenario-answer-result').dataset.correct).toBe('false'));

    fireEvent.change(screen.getByTestId('answer-service'), { target: { value: 'api' } });
    fireEvent.submit(screen.getByTestId('scenario-answer-form'));
    await waitFor(() => expect(screen.getByTestId('scenario-verdict').dataset.status).toBe('solved'));
    expect(calls).toContain('POST /answer {"answers":{"service":"api"}}');
  });
});
