/** An inclusive range of timestamps, ms UTC. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/**
 * Every row with a timestamp in `window`, from an endpoint that returns at most `limit` rows per
 * call. A page with fewer than `limit` rows in the window is complete for it. A full page may be
 * truncated on either side (Bybit keeps the NEWEST rows when a window holds more than `limit`),
 * so the parts of the window it does not reach are fetched again, narrowing each time; callers
 * size windows to `limit` rows, so this costs nothing on regular data. Rows outside the window
 * are dropped; the result may hold duplicates (de-duplicated by the caller) and is unsorted.
 */
export async function fetchWindow<T>(
  window: TimeWindow,
  limit: number,
  fetchPage: (window: TimeWindow) => Promise<readonly T[]>,
  tsOf: (row: T) => number,
): Promise<T[]> {
  const out: T[] = [];
  const pending: TimeWindow[] = [window];
  while (pending.length > 0) {
    const w = pending.pop()!;
    if (w.start > w.end) continue;
    const page = await fetchPage(w);
    const inside = page.filter((row) => {
      const ts = tsOf(row);
      return ts >= w.start && ts <= w.end;
    });
    out.push(...inside);
    if (page.length < limit) continue;
    if (inside.length === 0) throw new RangeError(`a full page of ${page.length} rows holds none in [${w.start}, ${w.end}]`);
    let lo = Infinity;
    let hi = -Infinity;
    for (const row of inside) {
      const ts = tsOf(row);
      if (ts < lo) lo = ts;
      if (ts > hi) hi = ts;
    }
    // Newer part first on the stack's bottom, older on top: the order does not matter for the result.
    if (hi < w.end) pending.push({ start: hi + 1, end: w.end });
    if (lo > w.start) pending.push({ start: w.start, end: lo - 1 });
  }
  return out;
}

/**
 * Windows `[s, s + width]` (inclusive, clipped to `end`) for s = start, start + step, … ≤ end.
 * With `width = step - 1` they tile [start, end] exactly; with a smaller width they skip what no
 * row can hold (klines: opens are multiples of the interval, so `width = (limit - 1) × interval`
 * and `step = limit × interval` give pages of exactly `limit` candles).
 */
export function* windows(start: number, end: number, step: number, width = step - 1): Generator<TimeWindow> {
  if (!(step > 0) || width < 0 || width >= step) throw new RangeError(`bad window step ${step} / width ${width}`);
  for (let s = start; s <= end; s += step) yield { start: s, end: Math.min(s + width, end) };
}

/** Rows unique by timestamp (a later duplicate replaces an earlier one), sorted ascending. */
export function uniqueSorted<T>(rows: readonly T[], tsOf: (row: T) => number): T[] {
  const byTs = new Map<number, T>();
  for (const row of rows) byTs.set(tsOf(row), row);
  return [...byTs.values()].sort((a, b) => tsOf(a) - tsOf(b));
}
