import type { BarRepository, InsertResult, StoredBarRow, StoredFundingRow } from '@lib/kernel';

/** Spec double of the bar catalog with the port's contract: idempotent inserts, never an overwrite. */
export class InMemoryBarRepository implements BarRepository {
  readonly bars = new Map<string, StoredBarRow>();
  readonly funding = new Map<string, StoredFundingRow>();
  insertCalls = 0;

  async insertBars(rows: readonly StoredBarRow[]): Promise<InsertResult> {
    this.insertCalls++;
    return insert(this.bars, rows, (r) => `${r.instrumentId}|${r.interval}|${r.tsOpen}`, (a, b) => a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close && a.volume === b.volume);
  }

  async readBars(instrumentId: string, interval: string, fromTsOpen: number, toTsOpen: number): Promise<StoredBarRow[]> {
    return [...this.bars.values()]
      .filter((r) => r.instrumentId === instrumentId && r.interval === interval && r.tsOpen >= fromTsOpen && r.tsOpen < toTsOpen)
      .sort((a, b) => a.tsOpen - b.tsOpen);
  }

  async lastTsOpen(instrumentId: string, interval: string): Promise<number | null> {
    let last: number | null = null;
    for (const r of this.bars.values()) if (r.instrumentId === instrumentId && r.interval === interval && (last === null || r.tsOpen > last)) last = r.tsOpen;
    return last;
  }

  async insertFunding(rows: readonly StoredFundingRow[]): Promise<InsertResult> {
    this.insertCalls++;
    return insert(this.funding, rows, (r) => `${r.instrumentId}|${r.ts}`, (a, b) => a.rate === b.rate);
  }

  async readFunding(instrumentId: string, fromTs: number, toTs: number): Promise<StoredFundingRow[]> {
    return [...this.funding.values()].filter((r) => r.instrumentId === instrumentId && r.ts >= fromTs && r.ts < toTs).sort((a, b) => a.ts - b.ts);
  }
}

function insert<T>(store: Map<string, T>, rows: readonly T[], key: (r: T) => string, same: (a: T, b: T) => boolean): InsertResult {
  let inserted = 0;
  let duplicates = 0;
  let conflicts = 0;
  for (const row of rows) {
    const k = key(row);
    const existing = store.get(k);
    if (existing === undefined) {
      store.set(k, row);
      inserted++;
    } else if (same(existing, row)) duplicates++;
    else conflicts++;
  }
  return { inserted, duplicates, conflicts };
}
