import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BAR_REJECTION_REASONS, Price, type BarRejectionReason } from '@lib/model';
import type { EventEnvelope } from '@lib/kernel';
import { runBacktest, type TestRun } from '../support/run-backtest.js';
import { readRunEvents } from '../support/read-events.js';
import { DATA_DIR, tempSqlite } from '../support/databases.js';

/**
 * Bad market data end to end: the real Bybit files, with single lines of the BTC file corrupted
 * in every way the validator knows. Each bad line must be rejected with its reason and line
 * number, counted, and kept away from the cache, the venue and the strategy (its bar is
 * missing, so a gap is reported where it was), and the stored run must still replay.
 */
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
const BTC_ID = 'BTCUSDT-PERP.BYBIT';
const FOUR_HOURS = 14_400_000;

type Fields = [ts: string, open: string, high: string, low: string, close: string, volume: string];
interface Corruption {
  readonly reason: BarRejectionReason;
  /** 0-based data row of the real file. */
  readonly row: number;
  /** The replacement line, from the real one. */
  readonly alter: (f: Fields) => string;
}

const plus = (a: string, b: string) => Price.parse(a).plus(Price.parse(b)).toString();
const minus = (a: string, b: string) => Price.parse(a).minus(Price.parse(b)).toString();

// Altered in place: the line stays where it was, with one thing wrong.
const IN_PLACE: Corruption[] = [
  { reason: 'BAR.MALFORMED', row: 100, alter: ([ts, o, h, l, c]) => [ts, o, h, l, c].join(',') },
  { reason: 'BAR.NOT_A_NUMBER', row: 200, alter: ([ts, o, h, l, , v]) => [ts, o, h, l, 'NaN', v].join(',') },
  { reason: 'BAR.NOT_A_NUMBER', row: 300, alter: ([ts, o, h, l, c]) => [ts, o, h, l, c, 'abc'].join(',') },
  { reason: 'BAR.NON_POSITIVE_PRICE', row: 400, alter: ([ts, o, h, , c, v]) => [ts, o, h, '0', c, v].join(',') },
  { reason: 'BAR.HIGH_BELOW_LOW', row: 500, alter: ([ts, o, h, l, c, v]) => [ts, o, l, h, c, v].join(',') },
  { reason: 'BAR.OPEN_OUTSIDE_RANGE', row: 600, alter: ([ts, , h, l, c, v]) => [ts, plus(h, '100'), h, l, c, v].join(',') },
  { reason: 'BAR.CLOSE_OUTSIDE_RANGE', row: 700, alter: ([ts, o, h, l, , v]) => [ts, o, h, l, minus(l, '100'), v].join(',') },
  { reason: 'BAR.NEGATIVE_VOLUME', row: 800, alter: ([ts, o, h, l, c, v]) => [ts, o, h, l, c, `-${v}`].join(',') },
  { reason: 'BAR.MISALIGNED', row: 900, alter: ([ts, o, h, l, c, v]) => [String(Number(ts) + 1000), o, h, l, c, v].join(',') },
];
const DUPLICATED_ROW = 1000; // repeated right after itself
const MOVED_ROW = 1100; // moved to after row MOVED_AFTER_ROW
const MOVED_AFTER_ROW = 1105;

interface ExpectedRejection {
  readonly reason: BarRejectionReason;
  /** 1-based line in the corrupted file. */
  readonly line: number;
  /** Open time of the real bar the line came from. */
  readonly realTs: number;
  /** Open time the validator could read from the bad line. */
  readonly tsOpen: number | null;
  /** The real bar at realTs is missing from the run (its only line is the bad one). */
  readonly barMissing: boolean;
}

/** Writes the corrupted BTC file and returns what the run must reject. */
function corruptBtcFile(dir: string): ExpectedRejection[] {
  const path = join(dir, 'bybit_BTCUSDT_4h.csv');
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n') as [string, ...string[]];
  const out: Array<{ text: string; expect?: Omit<ExpectedRejection, 'line'> }> = [];
  for (let i = 0; i < rows.length; i++) {
    const real = rows[i]!;
    const fields = real.split(',') as Fields;
    const realTs = Number(fields[0]);
    const corruption = IN_PLACE.find((c) => c.row === i);
    if (corruption) {
      const tsOpen = corruption.reason === 'BAR.MALFORMED' ? null : corruption.reason === 'BAR.MISALIGNED' ? realTs + 1000 : realTs;
      out.push({ text: corruption.alter(fields), expect: { reason: corruption.reason, realTs, tsOpen, barMissing: true } });
      continue;
    }
    if (i === MOVED_ROW) continue;
    out.push({ text: real });
    if (i === DUPLICATED_ROW) out.push({ text: real, expect: { reason: 'BAR.DUPLICATE', realTs, tsOpen: realTs, barMissing: false } });
    if (i === MOVED_AFTER_ROW) {
      const moved = rows[MOVED_ROW]!;
      const movedTs = Number(moved.split(',')[0]);
      out.push({ text: moved, expect: { reason: 'BAR.OUT_OF_ORDER', realTs: movedTs, tsOpen: movedTs, barMissing: true } });
    }
  }
  writeFileSync(path, `${[header, ...out.map((o) => o.text)].join('\n')}\n`);
  // the header is line 1, so data line k (0-based) is line k + 2
  return out.flatMap((o, k) => (o.expect ? [{ ...o.expect, line: k + 2 }] : []));
}

const payloadOf = (e: EventEnvelope) => JSON.parse(e.payload) as Record<string, unknown>;

describe('acceptance: bad bars in real Bybit 4h data', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tm-bad-bars-'));
  const store = tempSqlite();
  let expected: ExpectedRejection[];
  let realRowsPerFile: number;
  let run: TestRun;
  let events: EventEnvelope[];

  beforeAll(async () => {
    for (const symbol of SYMBOLS) {
      for (const file of [`bybit_${symbol}_4h.csv`, `bybit_${symbol}_funding_8h.csv`]) copyFileSync(join(DATA_DIR, file), join(dataDir, file));
    }
    realRowsPerFile = readFileSync(join(DATA_DIR, 'bybit_BTCUSDT_4h.csv'), 'utf8').trim().split('\n').length - 1;
    expected = corruptBtcFile(dataDir);
    run = await runBacktest(store.url, { dataDir, source: 'bybit', interval: '4h' });
    events = await readRunEvents(store.url, run.outcome.summary.runId);
  }, 300_000);

  afterAll(() => {
    store.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('corrupts one line per rejection kind (every kind but an unknown instrument, which a file cannot hold)', () => {
    const kinds = new Set(expected.map((e) => e.reason));
    expect([...kinds].sort()).toEqual(BAR_REJECTION_REASONS.filter((r) => r !== 'BAR.UNKNOWN_INSTRUMENT').sort());
    expect(expected).toHaveLength(11);
  });

  it('counts every rejected bar, by reason, exactly', () => {
    const s = run.outcome.summary;
    const byReason = Object.fromEntries(BAR_REJECTION_REASONS.map((r) => [r, expected.filter((e) => e.reason === r).length]));
    expect(s.barsRejected).toBe(expected.length);
    expect(s.rejectionsByReason).toEqual(byReason);
    // every real bar of ETH and SOL, and of BTC all but the ones whose only line is bad
    const missing = expected.filter((e) => e.barMissing).length;
    expect(s.bars).toBe(3 * realRowsPerFile - missing);
  });

  it('stores one bar.rejected event per bad line, with its reason, line number and open time', () => {
    const rejected = events.filter((e) => e.type === 'bar.rejected').map(payloadOf);
    expect(rejected).toHaveLength(expected.length);
    const seen = rejected.map((p) => ({ instrumentId: p.instrumentId, source: p.source, reason: p.reason, line: p.line, tsOpen: p.tsOpen }));
    const want = expected.map((e) => ({ instrumentId: BTC_ID, source: 'bybit', reason: e.reason, line: e.line, tsOpen: e.tsOpen }));
    const byLine = (a: { line: unknown }, b: { line: unknown }) => (a.line as number) - (b.line as number);
    expect(seen.sort(byLine)).toEqual(want.sort(byLine));
    for (const p of rejected) expect(typeof p.detail === 'string' && p.detail.length > 0).toBe(true);
  });

  it('never turns a bad line into a bar: its bar is missing and a one-bar gap is reported in its place', () => {
    const btcClosed = events.filter((e) => e.type === 'bar.closed').map(payloadOf).filter((p) => p.instrumentId === BTC_ID);
    const closedAt = new Map<number, number>();
    for (const p of btcClosed) closedAt.set(p.tsOpen as number, (closedAt.get(p.tsOpen as number) ?? 0) + 1);
    const gaps = events.filter((e) => e.type === 'bar.gap_detected').map(payloadOf);
    expect(gaps.every((g) => g.instrumentId === BTC_ID)).toBe(true);

    for (const e of expected.filter((x) => x.barMissing)) {
      expect({ ts: e.realTs, reason: e.reason, closed: closedAt.get(e.realTs) ?? 0 }).toEqual({ ts: e.realTs, reason: e.reason, closed: 0 });
      expect(gaps.filter((g) => g.fromTsOpen === e.realTs)).toEqual([
        expect.objectContaining({ instrumentId: BTC_ID, interval: '4h', fromTsOpen: e.realTs, toTsOpen: e.realTs, missingBars: 1, tsEvent: e.realTs + 2 * FOUR_HOURS }),
      ]);
    }
    expect(gaps).toHaveLength(expected.filter((x) => x.barMissing).length);
    // the duplicated bar was traded once, from its first line
    const duplicate = expected.find((x) => x.reason === 'BAR.DUPLICATE')!;
    expect(closedAt.get(duplicate.realTs)).toBe(1);
    expect(btcClosed).toHaveLength(realRowsPerFile - expected.filter((x) => x.barMissing).length);
    expect([...closedAt.values()].every((n) => n === 1)).toBe(true);
  });

  it('still trades and replays to the same portfolio', () => {
    expect(run.outcome.summary.orders).toBeGreaterThan(0);
    expect(run.replay.mismatches).toEqual([]);
    expect(run.replay.matches).toBe(true);
    expect(run.replay.events).toBe(events.length);
    expect(run.replay.eventStreamHash).toBe(run.outcome.summary.eventStreamHash);
  });
});
