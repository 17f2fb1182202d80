import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BAR_INTERVALS, type BarInterval } from '@lib/model';
import { BAR_CSV_HEADER, FUNDING_CSV_HEADER, barFileName, fundingFileName } from '@lib/data';
import type { FundingRow, OhlcvRow } from './bybit-response.js';

export class CatalogConflictError extends Error {
  readonly code = 'CATALOG.CONFLICT';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'CatalogConflictError';
  }
}

/** What one write did to one file. */
export interface CatalogWriteResult {
  readonly file: string;
  /** Rows handed to the writer. */
  readonly fetched: number;
  /** Rows added at the end of the file (all of them for a new file). */
  readonly appended: number;
  /** Fetched rows already in the file with the same values. */
  readonly unchanged: number;
  /** Fetched rows older than the file's last row but absent from it: not inserted (the file is append-only). */
  readonly skippedOlder: number;
  /** Data rows in the file now (0 and no file when nothing was fetched and none existed). */
  readonly total: number;
  readonly created: boolean;
  readonly first: number | null;
  readonly last: number | null;
}

interface Row {
  readonly ts: number;
  /** The fields after the timestamp, as written. */
  readonly fields: readonly string[];
}

/**
 * A decimal string in canonical form, so `41482`, `41482.0` and `041482.00` compare equal without
 * ever becoming a float.
 */
export function canonicalDecimal(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return text.trim();
  const int = m[2]!.replace(/^0+(?=\d)/, '');
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const body = frac === '' ? int : `${int}.${frac}`;
  return m[1] === '-' && /[1-9]/.test(body) ? `-${body}` : body;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Writes fetched market data into a catalog folder in the format the backtest reads:
 * `{source}_{SYMBOL}_{interval}.csv` (`timestamp,open,high,low,close,volume`, timestamp = open
 * time in ms) and `{source}_{SYMBOL}_funding_8h.csv` (`timestamp,funding_rate`).
 *
 * Every write is atomic: the whole new file goes to a temp file in the same folder, is fsynced and
 * renamed over the target, so a reader (or a crash) sees the old file or the new one, never half.
 * An existing file is kept as it is: only rows newer than its last row are appended; a fetched
 * row that is in the file with other values stops the write with a CatalogConflictError; a bar
 * file would not be given a hole between its last bar and the first new one.
 */
export class CatalogWriter {
  constructor(
    readonly dir: string,
    readonly source = 'bybit',
  ) {}

  barFile(symbol: string, interval: BarInterval): string {
    return join(this.dir, barFileName(this.source, symbol, interval));
  }

  fundingFile(symbol: string): string {
    return join(this.dir, fundingFileName(this.source, symbol));
  }

  async writeBars(symbol: string, interval: BarInterval, rows: readonly OhlcvRow[]): Promise<CatalogWriteResult> {
    return this.write(
      this.barFile(symbol, interval),
      BAR_CSV_HEADER,
      rows.map((r) => ({ ts: r.ts, fields: [r.open, r.high, r.low, r.close, r.volume] })),
      BAR_INTERVALS[interval],
    );
  }

  async writeFunding(symbol: string, rows: readonly FundingRow[]): Promise<CatalogWriteResult> {
    return this.write(
      this.fundingFile(symbol),
      FUNDING_CSV_HEADER,
      rows.map((r) => ({ ts: r.ts, fields: [r.rate] })),
      null,
    );
  }

  private async write(file: string, header: string, fetchedRows: readonly Row[], stepMs: number | null): Promise<CatalogWriteResult> {
    const fetched = [...fetchedRows].sort((a, b) => a.ts - b.ts);
    for (let i = 1; i < fetched.length; i++) {
      if (fetched[i]!.ts === fetched[i - 1]!.ts) throw new CatalogConflictError(file, `${basename(file)}: two fetched rows at ${fetched[i]!.ts} (${iso(fetched[i]!.ts)})`);
    }
    const existingText = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });

    if (existingText === null) {
      if (fetched.length === 0) return { file, fetched: 0, appended: 0, unchanged: 0, skippedOlder: 0, total: 0, created: false, first: null, last: null };
      await this.replaceAtomically(file, `${header}\n${fetched.map(line).join('\n')}\n`);
      return { file, fetched: fetched.length, appended: fetched.length, unchanged: 0, skippedOlder: 0, total: fetched.length, created: true, first: fetched[0]!.ts, last: fetched.at(-1)!.ts };
    }

    const existing = parseExisting(file, existingText, header);
    const byTs = new Map(existing.map((r) => [r.ts, r]));
    const lastTs = existing.at(-1)?.ts ?? -Infinity;
    let unchanged = 0;
    let skippedOlder = 0;
    const newer: Row[] = [];
    for (const row of fetched) {
      const have = byTs.get(row.ts);
      if (have !== undefined) {
        if (!sameValues(have.fields, row.fields)) {
          throw new CatalogConflictError(
            file,
            `${basename(file)}: the row at ${row.ts} (${iso(row.ts)}) is '${line(have)}' in the file but '${line(row)}' from the exchange; refusing to overwrite it (move the file away to re-ingest)`,
          );
        }
        unchanged++;
      } else if (row.ts < lastTs) {
        skippedOlder++;
      } else {
        newer.push(row);
      }
    }
    if (stepMs !== null && newer.length > 0 && existing.length > 0 && newer[0]!.ts !== lastTs + stepMs) {
      const missing = (newer[0]!.ts - lastTs) / stepMs - 1;
      throw new CatalogConflictError(
        file,
        `${basename(file)}: appending from ${iso(newer[0]!.ts)} would leave ${missing} missing bar(s) after the file's last bar ${iso(lastTs)}; ingest from ${iso(lastTs + stepMs)} or earlier`,
      );
    }
    const total = existing.length + newer.length;
    const first = existing[0]?.ts ?? newer[0]?.ts ?? null;
    const last = newer.at(-1)?.ts ?? existing.at(-1)?.ts ?? null;
    if (newer.length > 0) {
      const base = existingText.endsWith('\n') ? existingText : `${existingText}\n`;
      await this.replaceAtomically(file, `${base}${newer.map(line).join('\n')}\n`);
    }
    return { file, fetched: fetched.length, appended: newer.length, unchanged, skippedOlder, total, created: false, first, last };
  }

  /** Temp file in the target folder + fsync + rename: the target is never seen half-written. */
  private async replaceAtomically(file: string, content: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const temp = join(this.dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(content, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }
}

function line(row: Row): string {
  return [String(row.ts), ...row.fields].join(',');
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => canonicalDecimal(v) === canonicalDecimal(b[i]!));
}

function parseExisting(file: string, text: string, header: string): Row[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines[0]?.trim() !== header) {
    throw new CatalogConflictError(file, `${basename(file)}: existing file does not start with '${header}'; refusing to append to it`);
  }
  const rows: Row[] = [];
  const columns = header.split(',').length;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() === '') continue;
    const f = l.split(',');
    const ts = /^\d+$/.test(f[0] ?? '') ? Number(f[0]) : NaN;
    if (f.length !== columns || !Number.isSafeInteger(ts)) throw new CatalogConflictError(file, `${basename(file)}:${i + 1}: existing line '${l}' is not ${header}; refusing to append`);
    if (rows.length > 0 && ts <= rows.at(-1)!.ts) throw new CatalogConflictError(file, `${basename(file)}:${i + 1}: existing timestamps are not strictly ascending; refusing to append`);
    rows.push({ ts, fields: f.slice(1) });
  }
  return rows;
}
