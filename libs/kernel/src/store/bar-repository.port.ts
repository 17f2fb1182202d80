/** A bar as stored in the catalog: decimal strings exactly as received. */
export interface StoredBarRow {
  readonly instrumentId: string;
  readonly interval: string;
  readonly tsOpen: number;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly source: string;
}

export interface StoredFundingRow {
  readonly instrumentId: string;
  readonly ts: number;
  readonly rate: string;
  readonly source: string;
}

export interface InsertResult {
  readonly inserted: number;
  /** Same key, same content: already stored, skipped. */
  readonly duplicates: number;
  /** Same key, different content: the stored row is kept, the new one refused. */
  readonly conflicts: number;
}

/** The bar catalog. Inserts are idempotent and never overwrite what is stored. */
export interface BarRepository {
  insertBars(rows: readonly StoredBarRow[]): Promise<InsertResult>;
  /** Bars with fromTsOpen <= tsOpen < toTsOpen, ascending. */
  readBars(instrumentId: string, interval: string, fromTsOpen: number, toTsOpen: number): Promise<StoredBarRow[]>;
  lastTsOpen(instrumentId: string, interval: string): Promise<number | null>;
  insertFunding(rows: readonly StoredFundingRow[]): Promise<InsertResult>;
  /** Funding with fromTs <= ts < toTs, ascending. */
  readFunding(instrumentId: string, fromTs: number, toTs: number): Promise<StoredFundingRow[]>;
}

export const BAR_REPOSITORY = Symbol('BAR_REPOSITORY');
