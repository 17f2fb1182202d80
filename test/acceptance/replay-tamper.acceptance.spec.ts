import Database from 'better-sqlite3';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { EventStreamGapError } from '@lib/kernel';
import { Price } from '@lib/model';
import { ReplayModule } from '../../apps/trader/src/replay/replay.module.js';
import { ReplayService } from '../../apps/trader/src/replay/replay.service.js';
import { runBacktest, type TestRun } from '../support/run-backtest.js';
import { tempSqlite } from '../support/databases.js';

/**
 * The audit replay must notice a stored stream that was changed after the run: an altered
 * payload makes it report mismatches, a deleted event makes it refuse the stream.
 */
describe('acceptance: replay detects a tampered event store', () => {
  const store = tempSqlite();
  const file = store.url.slice('sqlite:'.length);
  const request = { source: 'binance', interval: '4h' as const, from: Date.parse('2022-01-01T00:00:00Z'), to: Date.parse('2022-07-01T00:00:00Z') };
  let first: TestRun;
  let second: TestRun;
  let app: INestApplicationContext;

  const replay = (runId: string) => app.get(ReplayService).replay(runId);

  beforeAll(async () => {
    first = await runBacktest(store.url, request);
    second = await runBacktest(store.url, request);
    app = await NestFactory.createApplicationContext(ReplayModule.forStore(store.url), { logger: false });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    store.dispose();
  });

  it('replays both untouched runs to what they recorded', async () => {
    expect(first.outcome.summary.runId).not.toBe(second.outcome.summary.runId);
    expect(first.outcome.summary.fills).toBeGreaterThan(0);
    for (const run of [first, second]) {
      const result = await replay(run.outcome.summary.runId);
      expect(result.mismatches).toEqual([]);
      expect(result.matches).toBe(true);
      expect(result.eventStreamHash).toBe(run.outcome.summary.eventStreamHash);
    }
  });

  it('reports mismatches when one order.filled payload has a different lastPx', async () => {
    const runId = first.outcome.summary.runId;
    const db = new Database(file);
    try {
      const fills = db.prepare('SELECT stream_seq, payload FROM events WHERE stream_id = ? AND type = ? ORDER BY stream_seq').all(runId, 'order.filled') as Array<{
        stream_seq: number;
        payload: string;
      }>;
      expect(fills.length).toBeGreaterThan(1);
      const target = fills[Math.floor(fills.length / 2)]!;
      const payload = JSON.parse(target.payload) as { lastPx: string };
      const tampered = JSON.stringify({ ...payload, lastPx: Price.parse(payload.lastPx).plus(Price.parse('1000')).toString() });
      expect(tampered).not.toBe(target.payload);
      const changed = db.prepare('UPDATE events SET payload = ? WHERE stream_id = ? AND stream_seq = ?').run(tampered, runId, target.stream_seq);
      expect(changed.changes).toBe(1);
    } finally {
      db.close();
    }

    const result = await replay(runId);
    expect(result.matches).toBe(false);
    expect(result.mismatches.length).toBeGreaterThan(0);
    expect(result.mismatches.join('\n')).toMatch(/event stream hash/);
    expect(result.mismatches.join('\n')).toMatch(/state hash/);
    expect(result.stateHash).not.toBe(first.outcome.summary.stateHash);
    expect(result.eventStreamHash).not.toBe(first.outcome.summary.eventStreamHash);
    // the other run in the same store is untouched
    expect((await replay(second.outcome.summary.runId)).matches).toBe(true);
  });

  it('refuses to replay a stream with an event deleted in the middle (EVENTS.GAP)', async () => {
    const runId = second.outcome.summary.runId;
    const db = new Database(file);
    let missing: number;
    try {
      const { n } = db.prepare('SELECT COUNT(*) AS n FROM events WHERE stream_id = ?').get(runId) as { n: number };
      expect(n).toBe(second.outcome.summary.events);
      missing = Math.floor(n / 2);
      const deleted = db.prepare('DELETE FROM events WHERE stream_id = ? AND stream_seq = ?').run(runId, missing);
      expect(deleted.changes).toBe(1);
    } finally {
      db.close();
    }

    const attempt = replay(runId);
    await expect(attempt).rejects.toBeInstanceOf(EventStreamGapError);
    await expect(attempt).rejects.toMatchObject({ code: 'EVENTS.GAP', streamId: runId, expected: missing, found: missing + 1 });
  });
});
