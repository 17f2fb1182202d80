import { readdir, readFile } from 'node:fs/promises';
import { parseDecimal, isBarInterval, type BarInterval, type FundingRate, type InstrumentId } from '@lib/model';
import type { RawBar } from '../validation/bar-candidate.js';

export const BAR_CSV_HEADER = 'timestamp,open,high,low,close,volume';
export const FUNDING_CSV_HEADER = 'timestamp,funding_rate';

export class CsvFormatError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CsvFormatError';
  }
}

/** A file of the data folder, recognised by its name: `{source}_{SYMBOL}_{interval}.csv` or `{source}_{SYMBOL}_funding_8h.csv`. */
export type MarketDataFile =
  | { readonly kind: 'bars'; readonly name: string; readonly source: string; readonly symbol: string; readonly interval: BarInterval }
  | { readonly kind: 'funding'; readonly name: string; readonly source: string; readonly symbol: string };

const FUNDING_FILE = /^([a-z0-9]+)_([A-Z0-9]+)_funding_8h\.csv$/;
const BAR_FILE = /^([a-z0-9]+)_([A-Z0-9]+)_([0-9]+[mhd])\.csv$/;

export const barFileName = (source: string, symbol: string, interval: BarInterval): string => `${source}_${symbol}_${interval}.csv`;
export const fundingFileName = (source: string, symbol: string): string => `${source}_${symbol}_funding_8h.csv`;

/** Recognises a data file name; null for anything else (README, DVOL index files, unknown intervals). */
export function parseMarketDataFileName(name: string): MarketDataFile | null {
  const funding = FUNDING_FILE.exec(name);
  if (funding) return { kind: 'funding', name, source: funding[1]!, symbol: funding[2]! };
  const bars = BAR_FILE.exec(name);
  if (bars && isBarInterval(bars[3]!)) return { kind: 'bars', name, source: bars[1]!, symbol: bars[2]!, interval: bars[3] };
  return null;
}

/** The CSV files of a folder, by name, split into recognised data files and the rest. */
export async function listMarketDataFiles(dir: string): Promise<{ files: MarketDataFile[]; unrecognised: string[] }> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.csv')).sort();
  const files: MarketDataFile[] = [];
  const unrecognised: string[] = [];
  for (const name of names) {
    const file = parseMarketDataFileName(name);
    if (file) files.push(file);
    else unrecognised.push(name);
  }
  return { files, unrecognised };
}

export interface BarCsvContext {
  readonly instrumentId: string;
  readonly interval: BarInterval;
  readonly source: string;
}

/**
 * Splits a bar CSV into raw candidates, one per non-blank data line, strings untouched. Nothing
 * is judged here: a malformed line becomes a candidate that the BarValidator rejects with its
 * line number. Only a wrong header (not this format at all) throws.
 */
export function parseBarCsv(text: string, context: BarCsvContext, file = '<text>'): RawBar[] {
  const out: RawBar[] = [];
  const { instrumentId, interval, source } = context;
  forEachDataLine(text, BAR_CSV_HEADER, file, (line, lineNo) => {
    const f = line.split(',');
    out.push({
      instrumentId,
      interval,
      source,
      line: lineNo,
      ts: f[0]!,
      open: f[1] ?? '',
      high: f[2] ?? '',
      low: f[3] ?? '',
      close: f[4] ?? '',
      volume: f[5] ?? '',
      columns: f.length,
    });
  });
  return out;
}

export async function readBarCsv(path: string, context: BarCsvContext): Promise<RawBar[]> {
  return parseBarCsv(await readFile(path, 'utf8'), context, path);
}

export const FUNDING_REJECTION_REASONS = ['FUNDING.MALFORMED', 'FUNDING.NOT_A_NUMBER', 'FUNDING.OUT_OF_ORDER', 'FUNDING.DUPLICATE'] as const;
export type FundingRejectionReason = (typeof FUNDING_REJECTION_REASONS)[number];

export interface FundingRow {
  readonly line: number;
  readonly rate: FundingRate;
}

export interface FundingRejection {
  readonly reason: FundingRejectionReason;
  readonly detail: string;
  readonly instrumentId: string;
  readonly source: string;
  readonly line: number;
}

export interface FundingCsv {
  readonly rows: FundingRow[];
  readonly rejections: FundingRejection[];
}

/** Parses a funding CSV exactly (rates as raw fixed point); bad or out-of-order lines become rejections. */
export function parseFundingCsv(text: string, instrumentId: InstrumentId, source: string, file = '<text>'): FundingCsv {
  const rows: FundingRow[] = [];
  const rejections: FundingRejection[] = [];
  let last = -Infinity;
  const reject = (line: number, reason: FundingRejectionReason, detail: string) => rejections.push({ reason, detail, instrumentId, source, line });
  forEachDataLine(text, FUNDING_CSV_HEADER, file, (lineText, line) => {
    const f = lineText.split(',');
    if (f.length !== 2) return reject(line, 'FUNDING.MALFORMED', `expected 2 columns (timestamp,funding_rate), got ${f.length}`);
    const tsText = f[0]!.trim();
    const ts = /^-?\d+$/.test(tsText) ? Number(tsText) : NaN;
    if (!Number.isSafeInteger(ts)) return reject(line, 'FUNDING.NOT_A_NUMBER', `timestamp '${f[0]}' is not an integer`);
    let rateRaw: bigint;
    try {
      rateRaw = parseDecimal(f[1]!).raw;
    } catch (err) {
      return reject(line, 'FUNDING.NOT_A_NUMBER', `funding_rate '${f[1]}' is not a decimal number (${(err as Error).message})`);
    }
    if (ts === last) return reject(line, 'FUNDING.DUPLICATE', `ts ${ts} equals the previous funding time`);
    if (ts < last) return reject(line, 'FUNDING.OUT_OF_ORDER', `ts ${ts} is before the previous funding time ${last}`);
    last = ts;
    rows.push({ line, rate: { instrumentId, ts, rateRaw } });
  });
  return { rows, rejections };
}

export async function readFundingCsv(path: string, instrumentId: InstrumentId, source: string): Promise<FundingCsv> {
  return parseFundingCsv(await readFile(path, 'utf8'), instrumentId, source, path);
}

/** Calls `fn` for each non-blank line after the header, with its 1-based line number; CRLF and a BOM are tolerated. */
function forEachDataLine(text: string, header: string, file: string, fn: (line: string, lineNo: number) => void): void {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let lineNo = 0;
  let sawHeader = false;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    let line = text.slice(pos, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    pos = end + 1;
    lineNo++;
    if (line.trim() === '') continue;
    if (!sawHeader) {
      if (line.trim().toLowerCase() !== header) {
        throw new CsvFormatError('CSV.BAD_HEADER', `${file}: line ${lineNo}: expected header '${header}', got '${line.slice(0, 80)}'`);
      }
      sawHeader = true;
      continue;
    }
    fn(line, lineNo);
  }
  if (!sawHeader) throw new CsvFormatError('CSV.NO_HEADER', `${file}: empty file, expected header '${header}'`);
}
