import type { Bar, BarInterval, BarRejectionReason } from '@lib/model';

/**
 * A bar as received, before validation: decimal strings exactly as written, the open time as
 * written (a file) or as a number (a client), and where it came from.
 */
export interface RawBar {
  readonly instrumentId: string;
  readonly interval: BarInterval;
  readonly source: string;
  /** 1-based line in the source file (the header is line 1); null when not read from a file. */
  readonly line: number | null;
  /** Bar OPEN time, ms UTC. */
  readonly ts: string | number;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  /** Columns found on the source line; anything but 6 is BAR.MALFORMED. */
  readonly columns?: number;
}

/** An already-parsed bar, optionally saying where it came from. */
export type SourcedBar = Bar & { readonly source?: string; readonly line?: number | null };

/** What the DataEngine and the BarValidator accept. */
export type BarCandidate = RawBar | SourcedBar;

/** A parsed bar carries `tsOpen`; a raw one carries `ts`. */
export function isRawBar(candidate: BarCandidate): candidate is RawBar {
  return !('tsOpen' in candidate);
}

/**
 * Bars missing between the last accepted bar and the one just accepted. `fromTsOpen` and
 * `toTsOpen` are the open times of the first and last missing bar (inclusive).
 */
export interface BarGap {
  readonly instrumentId: string;
  readonly interval: BarInterval;
  readonly fromTsOpen: number;
  readonly toTsOpen: number;
  readonly missingBars: number;
}

export interface BarAccepted {
  readonly ok: true;
  readonly bar: Bar;
  readonly gap: BarGap | null;
}

export interface BarRejection {
  readonly ok: false;
  readonly reason: BarRejectionReason;
  /** What exactly is wrong, with the offending values: `high 99.5 < low 100.2`. */
  readonly detail: string;
  readonly instrumentId: string;
  readonly interval: string;
  readonly source: string;
  readonly line: number | null;
  /** The bar's open time when it could be read. */
  readonly tsOpen: number | null;
}

export type BarVerdict = BarAccepted | BarRejection;
