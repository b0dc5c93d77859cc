// A bad environment variable stops a service at start, naming the variable.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, serviceNames } from '../src/index';

describe.each(serviceNames)('%s with bad environment', (name) => {
  it('exits with status 78 and names every bad variable', () => {
    const result = spawnSync(process.execPath, [join(repoRoot, 'services', name, 'dist', 'main.js')], {
      cwd: join(repoRoot, 'services', name),
      env: { PATH: process.env.PATH, PORT: 'eighty', KAFKA_BROKERS: 'no-port-here', LOG_LEVEL: 'loud', OTEL_SDK_DISABLED: 'true' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('PORT');
    expect(result.stderr).toContain('KAFKA_BROKERS');
    expect(result.stderr).toContain('LOG_LEVEL');
  });
});
