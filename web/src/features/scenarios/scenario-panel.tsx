// The scenario panel: the course to pick from, then the active scenario — its story, where to look, hints one at a
// time, the answer form, the faults on with the time they have left and a revert button, what the telemetry has
// verified so far, and the verdict. It polls the scenario server (docs/scenarios.md) once a second.
import './scenario-panel.css';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ScenarioClient, type ScenarioSummary, type ScenarioView } from './scenario-api';

const secs = (ms: number | undefined): string => (ms === undefined ? '' : `${Math.round(ms / 1000)} s`);

export function ScenarioPanel({ client, pollMs = 1_000 }: { client: ScenarioClient; pollMs?: number }) {
  const [course, setCourse] = useState<ScenarioSummary[] | undefined>();
  const [view, setView] = useState<ScenarioView | undefined>();
  const [unreachable, setUnreachable] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(async () => {
    try {
      setView(await client.state());
      setUnreachable(undefined);
    } catch (error) {
      setUnreachable((error as Error).message);
    }
  }, [client]);

  useEffect(() => {
    client.list().then(setCourse, (error: Error) => setUnreachable(error.message));
    void refresh();
    const timer = setInterval(() => void refresh(), pollMs);
    return () => clearInterval(timer);
  }, [client, pollMs, refresh]);

  const act = async (what: () => Promise<unknown>): Promise<void> => {
    setBusy(true);
    setProblem(undefined);
    try {
      await what();
      await refresh();
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  if (unreachable && !view) {
    return (
      <section className="panel scenario-panel" data-testid="scenario-panel" data-state="unreachable">
        <h2>Scenarios</h2>
        <p className="muted">
          No scenario server at {client.baseUrl}. Start one with <code>npm run scenario -- serve</code> and open the map
          with <code>?scenarios=&lt;its URL&gt;</code> (docs/scenarios.md).
        </p>
      </section>
    );
  }

  const playing = view?.number !== undefined;
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    void act(() => client.answer(answers));
  };

  return (
    <section className="panel scenario-panel" data-testid="scenario-panel" data-state={view?.active ? 'active' : playing ? 'ended' : 'idle'}>
      <h2>Scenarios</h2>
      {problem && <p className="inline-warning" data-testid="scenario-problem">{problem}</p>}
      {(!view?.active) && course && (
        <details className="scenario-course" open={!playing}>
          <summary>{playing ? 'start another scenario' : 'the course: pick a scenario'}</summary>
          <ul>
            {course.map((s) => (
              <li key={s.id}>
                <button className="link-button" data-testid={`scenario-start-${s.number}`} disabled={busy} onClick={() => void act(() => client.start(s.number))}>
                  {s.number}. {s.title}
                </button>
                <span className="muted"> · {s.level}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
      {playing && view && (
        <div data-testid="scenario-active" data-number={view.number}>
          <h3 className="scenario-title">{view.number}. {view.title}</h3>
          <p className="muted">{view.teaches}</p>
          <p>{view.story}</p>
          <p data-testid="scenario-phase" data-phase={view.phase}>
            phase: <strong>{view.phase}</strong>
            {view.breakAt && view.now && view.active ? ` · break on for ${secs(view.now - view.breakAt)}` : ''}
          </p>
          <div className={`scenario-verdict scenario-verdict--${view.verdict?.status ?? 'not-yet'}`} data-testid="scenario-verdict" data-status={view.verdict?.status ?? 'not-yet'}>
            <strong>verdict: {view.verdict?.status ?? 'not yet'}</strong>
            <ul>{(view.verdict?.lines ?? []).map((l) => <li key={l}>{l}</li>)}</ul>
          </div>

          <h4>Faults on</h4>
          <ul data-testid="scenario-faults">
            {(view.faults ?? []).filter((f) => !f.reverted).length === 0 && <li className="muted">none</li>}
            {(view.faults ?? []).filter((f) => !f.reverted).map((f) => (
              <li key={f.id} data-testid="scenario-fault" data-fault-id={f.id}>
                {f.name} — <span data-testid="fault-time-left">{f.secondsLeft} s left</span>{' '}
                <button className="chip" data-testid="fault-revert" disabled={busy} onClick={() => void act(() => client.revert(f.id))}>revert now</button>
              </li>
            ))}
          </ul>

          <h4>Where to look</h4>
          <ul>
            {(view.symptoms ?? []).map((s) => (
              <li key={s.name}><strong>{s.signal}</strong> {s.name}: <span className="muted">{s.where}</span></li>
            ))}
          </ul>

          <h4>Hints</h4>
          <ol data-testid="scenario-hints">
            {(view.hints ?? []).map((h) => <li key={h}>{h}</li>)}
          </ol>
          {(view.hintsLeft ?? 0) > 0 && (
            <button className="chip" data-testid="scenario-hint" disabled={busy} onClick={() => void act(() => client.hint())}>next hint ({view.hintsLeft} left)</button>
          )}

          <form data-testid="scenario-answer-form" onSubmit={submit}>
            <h4>Your answer</h4>
            {(view.questions ?? []).map((q) => {
              const result = view.lastAnswer?.results.find((r) => r.id === q.id);
              return (
                <div key={q.id}>
                  <label htmlFor={`answer-${q.id}`}>{q.ask}{result ? (result.correct ? ' ✓' : ' ✗') : ''}</label>
                  <select id={`answer-${q.id}`} data-testid={`answer-${q.id}`} value={answers[q.id] ?? ''} onChange={(e) => setAnswers({ ...answers, [q.id]: e.target.value })}>
                    <option value="" disabled>choose…</option>
                    {q.choices.map((c) => <option key={c} value={c}>{c}</option>)}
                  </select>
                </div>
              );
            })}
            <button className="primary" type="submit" data-testid="scenario-answer-submit" disabled={busy}>check my answer</button>
          </form>
          {view.lastAnswer && (
            <p data-testid="scenario-answer-result" data-correct={String(view.lastAnswer.correct)}>
              {view.lastAnswer.correct ? 'Right.' : `${view.lastAnswer.results.filter((r) => r.correct).length}/${view.lastAnswer.results.length} right: look again, or take a hint.`}
            </p>
          )}
          {view.explanations && (
            <ul data-testid="scenario-explanations">
              {view.explanations.map((x) => <li key={x.id}><strong>{x.answer}</strong>: {x.because}</li>)}
            </ul>
          )}

          <h4>Verified in the telemetry</h4>
          <ul data-testid="scenario-checks">
            {(view.checks ?? []).length === 0 && <li className="muted">nothing yet</li>}
            {(view.checks ?? []).map((c) => (
              <li key={`${c.kind} ${c.name}`} data-ok={String(c.ok)}>
                {c.ok ? (c.afterMs === undefined ? '…' : '✓') : '✗'} {c.kind} {c.name}
                {c.afterMs !== undefined ? ` (${c.kind === 'recovery' ? 'back' : 'seen'} after ${secs(c.afterMs)})` : ''}
              </li>
            ))}
          </ul>

          {view.error && <p className="inline-warning">{view.error}</p>}
          <details className="scenario-log">
            <summary>what the lab is doing</summary>
            <ul data-testid="scenario-log">{(view.log ?? []).map((l) => <li key={`${l.at} ${l.line}`}>{l.line}</li>)}</ul>
          </details>
          {view.active && (
            <button className="chip" data-testid="scenario-stop" disabled={busy} onClick={() => void act(() => client.stop())}>stop (revert everything)</button>
          )}
        </div>
      )}
    </section>
  );
}
