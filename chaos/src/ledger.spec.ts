import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger, orphans, type LedgerEntry } from './ledger';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function entry(id: string, over: Partial<LedgerEntry> = {}): Omit<LedgerEntry, 'state' | 'recordedAt'> {
  return {
    fault: { id, kind: 'freeze', components: ['simulator'], params: {}, expiresAt: 2_000 },
    runId: 'r1',
    experiment: 'frozen-simulator',
    target: 'local',
    lab: { controlUrl: 'http://127.0.0.1:1' },
    owner: { pid: 111, startedAt: 0 },
    ...over,
  };
}

describe('the ledger', () => {
  it('records a fault as pending, then follows it to reverted, on disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
    dirs.push(dir);
    const ledger = new Ledger(join(dir, 'sub', 'ledger.json'));
    ledger.record(entry('f1'));
    expect(new Ledger(ledger.file).open().map((e) => [e.fault.id, e.state])).toEqual([['f1', 'pending']]);
    ledger.update('f1', { state: 'active', injectedAt: 5 });
    ledger.update('f1', { state: 'reverted', revertedAt: 10, revertedBy: 'schedule' });
    expect(new Ledger(ledger.file).open()).toEqual([]);
    expect(JSON.parse(readFileSync(ledger.file, 'utf8')).entries[0]).toMatchObject({ state: 'reverted', revertedBy: 'schedule' });
  });

  it('prunes reverted entries older than a week, never open ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
    dirs.push(dir);
    const ledger = new Ledger(join(dir, 'ledger.json'));
    ledger.record(entry('old'));
    ledger.record(entry('open'));
    ledger.update('old', { state: 'reverted', revertedAt: 0 });
    ledger.prune(1_000, 10_000);
    expect(ledger.entries().map((e) => e.fault.id)).toEqual(['open']);
  });
});

describe('orphans', () => {
  const e = (id: string, pid: number, expiresAt: number, state: LedgerEntry['state'] = 'active'): LedgerEntry =>
    ({ ...entry(id, { owner: { pid, startedAt: 0 } }), fault: { ...entry(id).fault, expiresAt }, state, recordedAt: 0 }) as LedgerEntry;
  const alive = (pid: number): boolean => pid === 222;

  it('are the open faults of a dead runner, and every fault past its deadline', () => {
    const entries = [e('dead-owner', 111, 9_000), e('live-owner', 222, 9_000), e('expired', 222, 1_000), e('done', 111, 1_000, 'reverted'), e('pending', 111, 9_000, 'pending')];
    expect(orphans(entries, 5_000, alive, 999).map((x) => x.fault.id)).toEqual(['dead-owner', 'expired', 'pending']);
  });

  it('are never the faults of the runner asking, within their time', () => {
    expect(orphans([e('mine', 999, 9_000)], 5_000, () => false, 999)).toEqual([]);
  });
});
