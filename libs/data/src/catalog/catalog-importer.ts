import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { BAR_REPOSITORY, type BarRepository, type InsertResult, type StoredBarRow, type StoredFundingRow } from '@lib/kernel';
import { decimalsOf, formatDecimal, type BarInterval, type Instrument } from '@lib/model';
import { listMarketDataFiles, readBarCsv, readFundingCsv, type FundingRejection } from '../csv/market-data-csv.js';
import { SymbolMap } from '../instruments/symbol-map.js';
import type { BarGap, BarRejection } from '../validation/bar-candidate.js';
import { BarValidator } from '../validation/bar-validator.js';

export interface CatalogImportOptions {
  readonly instruments: readonly Instrument[];
  /** Only these sources (file prefixes); all when absent. */
  readonly sources?: readonly string[];
  /** Only these bar intervals; all when absent. */
  readonly intervals?: readonly BarInterval[];
  /** Import funding files too (default true). */
  readonly funding?: boolean;
  /** Rows per repository insert (default 5000). */
  readonly batchSize?: number;
}

/** What happened to one file. `rows` = data lines = inserted + duplicates + conflicts + rejected. */
export interface FileImportReport {
  readonly file: string;
  readonly kind: 'bars' | 'funding';
  readonly source: string;
  readonly instrumentId: string;
  readonly interval: BarInterval | null;
  readonly rows: number;
  readonly inserted: number;
  readonly duplicates: number;
  readonly conflicts: number;
  readonly rejected: number;
  readonly rejectedByReason: Readonly<Record<string, number>>;
  readonly rejections: ReadonlyArray<BarRejection | FundingRejection>;
  /** Gaps between accepted bars (reported, not rejected). */
  readonly gaps: readonly BarGap[];
}

export interface CatalogImportReport {
  readonly files: FileImportReport[];
  /** CSV files not imported, with the reason (unrecognised name, unconfigured symbol, filtered out). */
  readonly skipped: ReadonlyArray<{ readonly file: string; readonly reason: string }>;
  readonly totals: { readonly rows: number; readonly inserted: number; readonly duplicates: number; readonly conflicts: number; readonly rejected: number };
}

const DEFAULT_BATCH = 5000;

/**
 * Imports CSV folders into the bar catalog (BarRepository). Every bar row passes the
 * BarValidator first; rejected rows are reported by reason with their line and never inserted.
 * Each file gets its own validator, so order is checked within the file; what is already stored
 * is the repository's business (same content = duplicate, different = conflict, never overwritten).
 * Decimals are stored in canonical form (`100.50` → `100.5`), so formatting never makes a conflict.
 */
@Injectable()
export class CatalogImporter {
  constructor(@Inject(BAR_REPOSITORY) private readonly repository: BarRepository) {}

  async importFolder(dataDir: string, options: CatalogImportOptions): Promise<CatalogImportReport> {
    const symbols = new SymbolMap(options.instruments);
    const { files, unrecognised } = await listMarketDataFiles(dataDir);
    const skipped: Array<{ file: string; reason: string }> = unrecognised.map((file) => ({
      file,
      reason: 'not a {source}_{SYMBOL}_{interval}.csv or {source}_{SYMBOL}_funding_8h.csv file',
    }));
    const reports: FileImportReport[] = [];
    for (const file of files) {
      if (options.sources && !options.sources.includes(file.source)) {
        skipped.push({ file: file.name, reason: `source '${file.source}' not selected` });
        continue;
      }
      if (file.kind === 'bars' && options.intervals && !options.intervals.includes(file.interval)) {
        skipped.push({ file: file.name, reason: `interval '${file.interval}' not selected` });
        continue;
      }
      if (file.kind === 'funding' && options.funding === false) {
        skipped.push({ file: file.name, reason: 'funding not selected' });
        continue;
      }
      const instrument = symbols.find(file.symbol);
      if (!instrument) {
        skipped.push({ file: file.name, reason: `no configured instrument for symbol '${file.symbol}' (known: ${symbols.symbols.join(', ')})` });
        continue;
      }
      const path = join(dataDir, file.name);
      reports.push(
        file.kind === 'bars'
          ? await this.importBarFile(path, instrument, file.source, file.interval, options.batchSize)
          : await this.importFundingFile(path, instrument, file.source, options.batchSize),
      );
    }
    const totals = { rows: 0, inserted: 0, duplicates: 0, conflicts: 0, rejected: 0 };
    for (const r of reports) {
      totals.rows += r.rows;
      totals.inserted += r.inserted;
      totals.duplicates += r.duplicates;
      totals.conflicts += r.conflicts;
      totals.rejected += r.rejected;
    }
    return { files: reports, skipped, totals };
  }

  async importBarFile(path: string, instrument: Instrument, source: string, interval: BarInterval, batchSize = DEFAULT_BATCH): Promise<FileImportReport> {
    const candidates = await readBarCsv(path, { instrumentId: instrument.id, interval, source });
    const validator = BarValidator.forInstruments([instrument]);
    const rows: StoredBarRow[] = [];
    const rejections: BarRejection[] = [];
    const gaps: BarGap[] = [];
    for (const candidate of candidates) {
      const verdict = validator.check(candidate);
      if (!verdict.ok) {
        rejections.push(verdict);
        continue;
      }
      if (verdict.gap) gaps.push(verdict.gap);
      const bar = verdict.bar;
      rows.push({
        instrumentId: bar.instrumentId,
        interval: bar.interval,
        tsOpen: bar.tsOpen,
        open: bar.open.toString(),
        high: bar.high.toString(),
        low: bar.low.toString(),
        close: bar.close.toString(),
        volume: bar.volume.toString(),
        source,
      });
    }
    const result = await insertInBatches(rows, batchSize, (batch) => this.repository.insertBars(batch));
    return { file: path, kind: 'bars', source, instrumentId: instrument.id, interval, rows: candidates.length, ...result, ...byReason(rejections), gaps };
  }

  async importFundingFile(path: string, instrument: Instrument, source: string, batchSize = DEFAULT_BATCH): Promise<FileImportReport> {
    const parsed = await readFundingCsv(path, instrument.id, source);
    const rows: StoredFundingRow[] = parsed.rows.map(({ rate }) => ({ instrumentId: rate.instrumentId, ts: rate.ts, rate: formatDecimal(rate.rateRaw, decimalsOf(rate.rateRaw)), source }));
    const result = await insertInBatches(rows, batchSize, (batch) => this.repository.insertFunding(batch));
    return {
      file: path,
      kind: 'funding',
      source,
      instrumentId: instrument.id,
      interval: null,
      rows: parsed.rows.length + parsed.rejections.length,
      ...result,
      ...byReason(parsed.rejections),
      gaps: [],
    };
  }
}

async function insertInBatches<T>(rows: readonly T[], batchSize: number, insert: (batch: readonly T[]) => Promise<InsertResult>): Promise<InsertResult> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  let inserted = 0;
  let duplicates = 0;
  let conflicts = 0;
  for (let i = 0; i < rows.length; i += batchSize) {
    const r = await insert(rows.slice(i, i + batchSize));
    inserted += r.inserted;
    duplicates += r.duplicates;
    conflicts += r.conflicts;
  }
  return { inserted, duplicates, conflicts };
}

function byReason<R extends { reason: string }>(rejections: readonly R[]): { rejected: number; rejectedByReason: Record<string, number>; rejections: readonly R[] } {
  const counts: Record<string, number> = {};
  for (const r of rejections) counts[r.reason] = (counts[r.reason] ?? 0) + 1;
  return { rejected: rejections.length, rejectedByReason: counts, rejections };
}
