import { fetchWindow, uniqueSorted, windows, type TimeWindow } from './paging.js';

const H4 = 14_400_000;

/** An endpoint over regular rows that returns at most `limit` rows of a window: the newest (Bybit) or the oldest. */
function endpoint(rows: number[], limit: number, keep: 'newest' | 'oldest') {
  const calls: TimeWindow[] = [];
  const fetchPage = async (w: TimeWindow) => {
    calls.push(w);
    const inside = rows.filter((ts) => ts >= w.start && ts <= w.end);
    return keep === 'newest' ? inside.slice(Math.max(0, inside.length - limit)).reverse() : inside.slice(0, limit);
  };
  return { calls, fetchPage };
}

describe('paging', () => {
  const rows = Array.from({ length: 25 }, (_, i) => 1_000 * H4 + i * H4);

  it.each(['newest', 'oldest'] as const)('fetchWindow gets every row of a window that holds more than a page (%s kept)', async (keep) => {
    const api = endpoint(rows, 10, keep);
    const got = await fetchWindow({ start: rows[0]!, end: rows.at(-1)! }, 10, api.fetchPage, (ts) => ts);
    expect(uniqueSorted(got, (ts) => ts)).toEqual(rows);
    expect(api.calls.length).toBeLessThanOrEqual(5);
  });

  it('a page sized to the window costs one request', async () => {
    const api = endpoint(rows, 10, 'newest');
    const got = await fetchWindow({ start: rows[0]!, end: rows[9]! }, 10, api.fetchPage, (ts) => ts);
    expect(got).toHaveLength(10);
    expect(api.calls).toHaveLength(1);
  });

  it('drops rows outside the window and rejects a full page with none inside', async () => {
    const got = await fetchWindow({ start: 10, end: 20 }, 5, async () => [5, 10, 15], (ts) => ts);
    expect(got).toEqual([10, 15]);
    await expect(fetchWindow({ start: 10, end: 20 }, 2, async () => [1, 2], (ts) => ts)).rejects.toThrow(RangeError);
  });

  it('windows tile a range, or step over what aligned rows cannot hold', () => {
    expect([...windows(0, 25, 10)]).toEqual([
      { start: 0, end: 9 },
      { start: 10, end: 19 },
      { start: 20, end: 25 },
    ]);
    expect([...windows(0, 9 * H4, 4 * H4, 3 * H4)].map((w) => [w.start / H4, w.end / H4])).toEqual([
      [0, 3],
      [4, 7],
      [8, 9],
    ]);
    expect([...windows(10, 9, 5)]).toEqual([]);
    expect(() => [...windows(0, 10, 5, 5)]).toThrow(RangeError);
  });

  it('uniqueSorted keeps one row per timestamp, ascending', () => {
    expect(uniqueSorted([{ ts: 3, v: 'a' }, { ts: 1, v: 'b' }, { ts: 3, v: 'c' }], (r) => r.ts)).toEqual([
      { ts: 1, v: 'b' },
      { ts: 3, v: 'c' },
    ]);
  });
});
