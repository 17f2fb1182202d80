/**
 * Calendar months (UTC) as partitions of a BIGINT epoch-ms column. A month is its index
 * `year * 12 + (month - 1)`, so ranges are plain integer arithmetic.
 */
export type MonthIndex = number;

export interface MonthPartition {
  readonly name: string;
  /** Inclusive lower bound, epoch ms. */
  readonly from: number;
  /** Exclusive upper bound, epoch ms. */
  readonly to: number;
}

export function monthIndexOf(ts: number): MonthIndex {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) throw new RangeError(`time ${ts} is outside the representable dates`);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

export function monthStart(month: MonthIndex): number {
  return Date.UTC(Math.floor(month / 12), month % 12, 1);
}

/** `bars_p202401` for January 2024. */
export function partitionName(table: string, month: MonthIndex): string {
  const year = Math.floor(month / 12);
  const mm = String((month % 12) + 1).padStart(2, '0');
  return `${table}_p${String(year).padStart(4, '0')}${mm}`;
}

export function monthPartition(table: string, month: MonthIndex): MonthPartition {
  return { name: partitionName(table, month), from: monthStart(month), to: monthStart(month + 1) };
}

/** Every month from the one holding `fromTs` to the one holding `toTs`, both included. */
export function monthsCovering(fromTs: number, toTs: number): MonthIndex[] {
  const first = monthIndexOf(Math.min(fromTs, toTs));
  const last = monthIndexOf(Math.max(fromTs, toTs));
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/** The distinct months of `timestamps`, ascending. */
export function monthsOf(timestamps: Iterable<number>): MonthIndex[] {
  const months = new Set<MonthIndex>();
  for (const ts of timestamps) months.add(monthIndexOf(ts));
  return [...months].sort((a, b) => a - b);
}

/** The month a partition covers when its bounds are exactly one calendar month, else null. */
export function monthOfBounds(from: number, to: number): MonthIndex | null {
  const month = monthIndexOf(from);
  return monthStart(month) === from && monthStart(month + 1) === to ? month : null;
}

/** Table names here are constants of this library; quoting keeps keywords and case safe anyway. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function createPartitionSql(table: string, month: MonthIndex): string {
  const p = monthPartition(table, month);
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(p.name)} PARTITION OF ${quoteIdent(table)} FOR VALUES FROM (${p.from}) TO (${p.to})`;
}

/**
 * `FOR VALUES FROM ('1704067200000') TO ('1706745600000')` (pg_get_expr of relpartbound) as
 * numbers; null for a DEFAULT partition or a bound this library never writes (MINVALUE/MAXVALUE).
 */
export function parseRangeBound(expression: string): { from: number; to: number } | null {
  const match = /^FOR VALUES FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)$/.exec(expression.trim());
  if (!match) return null;
  return { from: Number(match[1]), to: Number(match[2]) };
}
