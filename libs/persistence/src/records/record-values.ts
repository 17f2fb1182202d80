/** A fractional or unsafe timestamp is corrupt input: refuse it before anything is written. */
export function assertTime(ts: number, what: string): void {
  if (!Number.isSafeInteger(ts)) throw new RangeError(`${what}: time must be an integer number of ms, got ${ts}`);
}

export function assertFinite(value: number, what: string): void {
  if (!Number.isFinite(value)) throw new RangeError(`${what}: ${value} is not a finite number`);
}

/** float8 columns: both drivers return numbers; a string (numeric cast) is tolerated. */
export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

export function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : toNumber(value);
}
