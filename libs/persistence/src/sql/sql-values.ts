/** What this library binds into SQL: integers are JS numbers (timestamps in ms and seqs stay below 2^53). */
export type SqlValue = string | number | null;

/**
 * A 64-bit integer column as a JS number. node-postgres returns BIGINT (and COUNT) as a string
 * to avoid silent precision loss; values outside the safe range mean corrupt data and fail loudly.
 */
export function int64(value: unknown, column: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new Error(`persistence: column ${column} holds ${JSON.stringify(value)}, expected an integer below 2^53`);
  }
  return n;
}

export function nullableInt64(value: unknown, column: string): number | null {
  return value === null || value === undefined ? null : int64(value, column);
}

/** Items in consecutive slices of at most `size`. */
export function* chunked<T>(items: readonly T[], size: number): Generator<readonly T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** `(?, ?, ?), (?, ?, ?)` for a multi-row VALUES clause. */
export function valuesPlaceholders(rows: number, columns: number): string {
  const row = `(${new Array<string>(columns).fill('?').join(', ')})`;
  return new Array<string>(rows).fill(row).join(', ');
}
