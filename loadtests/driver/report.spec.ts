import { describe, expect, it } from 'vitest';
import { formatTable } from './report.ts';

describe('formatTable', () => {
  it('aligns names left and numbers right', () => {
    expect(formatTable(['api', 'p99'], [['GET /routes', '12.0'], ['all', '130.5']])).toBe(
      ['api            p99', '-----------  -----', 'GET /routes   12.0', 'all          130.5'].join('\n'),
    );
  });
});
