import { describe, expect, it } from 'vitest';
import { parseExperimentText } from './experiments';
import { duration, ExperimentError, methodLength, parseExperiment } from './schema';

const minimal = {
  title: 'consumer crash',
  hypothesis: 'the consumer restarts and nothing is lost',
  method: [{ fault: 'kill', target: { components: ['consumer'] } }],
  duration: '30s',
};

function problems(document: unknown): string[] {
  try {
    parseExperiment(document, 'x.yaml');
  } catch (error) {
    if (error instanceof ExperimentError) return error.problems;
    throw error;
  }
  return [];
}

describe('the experiment schema', () => {
  it('fills defaults: blast radius all, 10 s warm-up, 2 m recovery, no abort conditions', () => {
    const e = parseExperiment(minimal);
    expect(e.duration).toBe(30_000);
    expect(e.warmup).toBe(10_000);
    expect(e.method[0]).toMatchObject({ fault: 'kill', target: { components: ['consumer'], mode: 'all' }, after: 0 });
    expect(e.expect).toEqual({ alerts: [], slis: [], recoverWithin: 120_000 });
    expect(e.targets).toEqual(['local']);
    expect(methodLength(e)).toBe(30_000);
  });

  it('reads durations in ms, s, m and h', () => {
    expect(duration.parse('250ms')).toBe(250);
    expect(duration.parse('1.5s')).toBe(1_500);
    expect(duration.parse('2m')).toBe(120_000);
    expect(duration.parse('1h')).toBe(3_600_000);
    expect(duration.parse(42)).toBe(42);
    expect(duration.safeParse('soon').success).toBe(false);
  });

  it('names the field of every problem', () => {
    expect(problems({ ...minimal, title: undefined })).toEqual(['title: Required']);
    expect(problems({ ...minimal, duration: '30 seconds' })).toEqual(['duration: expected a duration like 500ms, 30s or 2m, got "30 seconds"']);
    expect(problems({ ...minimal, method: [{ fault: 'kill', target: { components: ['consumer'], mode: 'some' } }] })[0]).toMatch(/^method\.0\.target\.mode: /);
    expect(problems({ ...minimal, method: [{ fault: 'kill', target: { components: ['redis'] } }] })[0]).toMatch(/^method\.0\.target\.components\.0: /);
    expect(problems({ ...minimal, method: [{ fault: 'kill', target: { components: ['api'], mode: 'percent' } }] })).toEqual([
      'method.0.target.percent: mode percent needs percent (1-100)',
    ]);
    expect(problems({ ...minimal, extra: 1 })[0]).toMatch(/Unrecognized key\(s\) in object: 'extra'/);
  });

  it('refuses an http fault with nothing to inject or on a service that serves no HTTP', () => {
    expect(problems({ ...minimal, method: [{ fault: 'http', target: { components: ['api'] }, percent: 50 }] })).toEqual([
      'method.0.delayMs: an http fault needs delayMs, abortStatus or both',
    ]);
    expect(problems({ ...minimal, method: [{ fault: 'http', target: { components: ['consumer'] }, percent: 50, abortStatus: 503 }] })).toEqual([
      'method.0.target.components.0: only the api serves HTTP, not consumer',
    ]);
  });

  it('refuses a network fault that starts at a dependency, and an unknown toxic', () => {
    expect(problems({ ...minimal, method: [{ fault: 'network', target: { components: ['kafka'] }, to: 'database', toxic: { type: 'partition' } }] })).toEqual([
      'method.0.target.components.0: a network fault starts at a service, not kafka',
    ]);
    expect(problems({ ...minimal, method: [{ fault: 'network', target: { components: ['api'] }, to: 'kafka', toxic: { type: 'loss' } }] })[0]).toMatch(
      /^method\.0\.toxic\.type: /,
    );
  });

  it('needs a tolerance with a bound, and caps a run at 30 minutes', () => {
    expect(problems({ ...minimal, steadyState: [{ name: 'errors', query: 'up', tolerance: {} }] })).toEqual([
      'steadyState.0.tolerance: a tolerance needs min, max or both',
    ]);
    expect(problems({ ...minimal, duration: '31m' })).toEqual(['duration: at most 30m: a fault should never outlive the people watching it']);
  });

  it('reports YAML syntax errors as problems of the file', () => {
    expect(() => parseExperimentText('title: [unclosed', 'broken.yaml')).toThrow(/broken\.yaml is not a valid experiment:\n {2}YAML: /);
  });

  it('lasts until the last fault reverts: a late fault with its own duration extends the method', () => {
    const e = parseExperiment({
      ...minimal,
      method: [minimal.method[0], { fault: 'freeze', target: { components: ['simulator'] }, after: '20s', duration: '40s' }],
    });
    expect(methodLength(e)).toBe(60_000);
  });
});
