import { runBacktest } from '../support/run-backtest.js';
import { readRunEvents } from '../support/read-events.js';
import { tempSqlite } from '../support/databases.js';

/**
 * No look-ahead, end to end: a backtest cut at T must produce exactly the events that the full
 * backtest produced before T. If anything at bar t used data after t (strategy, venue, risk,
 * portfolio), the full run's prefix would differ from the truncated run.
 */
describe('acceptance: no look-ahead across the whole kernel', () => {
  const store = tempSqlite();
  afterAll(() => store.dispose());

  it('the events of a run cut at T are a prefix of the full run', async () => {
    const from = Date.parse('2023-01-01T00:00:00Z');
    const cut = Date.parse('2023-09-01T00:00:00Z');
    const to = Date.parse('2024-03-01T00:00:00Z');
    const truncated = await runBacktest(store.url, { from, to: cut });
    const full = await runBacktest(store.url, { from, to });
    const short = (await readRunEvents(store.url, truncated.outcome.summary.runId)).filter((e) => e.type !== 'run.completed' && e.type !== 'run.started');
    const long = (await readRunEvents(store.url, full.outcome.summary.runId)).filter((e) => e.type !== 'run.started');
    expect(short.length).toBeGreaterThan(1000);
    expect(short.some((e) => e.type === 'order.filled')).toBe(true);
    const strip = (e: { type: string; tsEvent: number; payload: string }) => `${e.type}|${e.tsEvent}|${e.payload}`;
    expect(long.slice(0, short.length).map(strip)).toEqual(short.map(strip));
    // and the full run did go on past the cut
    expect(long[short.length]!.tsEvent).toBeGreaterThanOrEqual(short[short.length - 1]!.tsEvent);
  }, 120_000);
});
