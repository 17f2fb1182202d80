import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BybitHistoryError } from './bybit-errors.js';

/** A Bybit USDT linear perpetual as the history client knows it. */
export interface BybitPerpetual {
  /** Bybit's id, also the symbol in data file names: `BTCUSDT`. */
  readonly id: string;
  /** ccxt's unified symbol: `BTC/USDT:USDT`. */
  readonly symbol: string;
  /** Minutes between fundings (Bybit's `fundingInterval`), 480 for these perpetuals. */
  readonly fundingIntervalMinutes: number;
}

export const MARKETS_FILE = join('config', 'markets', 'bybit-linear.json');

/**
 * The shipped markets file, found by walking up from this module (works from sources and from
 * dist/), then from the working directory.
 */
export function defaultMarketsFile(): string {
  const starts = [dirname(fileURLToPath(import.meta.url)), process.cwd()];
  for (const start of starts) {
    let dir = start;
    for (let i = 0; i < 8; i++) {
      const candidate = join(dir, MARKETS_FILE);
      if (existsSync(candidate)) return candidate;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new BybitHistoryError('BYBIT.BAD_REQUEST', `cannot find ${MARKETS_FILE} above ${starts.join(' or ')}`);
}

export interface MarketsFixture {
  /** ccxt unified market structures, passed as-is to `exchange.setMarkets`. */
  readonly markets: readonly Record<string, unknown>[];
  readonly perpetuals: readonly BybitPerpetual[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads the markets fixture (`{ "markets": [ccxt market, …] }`) and keeps only USDT linear
 * perpetuals; anything else in it is a configuration error.
 */
export function loadMarketsFixture(file: string = defaultMarketsFile()): MarketsFixture {
  const path = resolve(file);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new BybitHistoryError('BYBIT.BAD_REQUEST', `cannot read markets file ${path}: ${(err as Error).message}`, null, { cause: err });
  }
  const list = isRecord(doc) ? doc.markets : undefined;
  if (!Array.isArray(list) || list.length === 0) throw new BybitHistoryError('BYBIT.BAD_REQUEST', `${path}: expected { "markets": [ … ] } with at least one market`);
  const markets: Record<string, unknown>[] = [];
  const perpetuals: BybitPerpetual[] = [];
  for (const [i, m] of list.entries()) {
    const info = isRecord(m) ? m.info : undefined;
    if (!isRecord(m) || typeof m.id !== 'string' || typeof m.symbol !== 'string' || !isRecord(info)) {
      throw new BybitHistoryError('BYBIT.BAD_REQUEST', `${path}: markets[${i}] is not a ccxt market (id, symbol and info are required)`);
    }
    if (m.linear !== true || m.swap !== true || m.settle !== 'USDT') {
      throw new BybitHistoryError('BYBIT.BAD_REQUEST', `${path}: ${m.id} is not a USDT linear perpetual`);
    }
    const minutes = Number(info.fundingInterval ?? 480);
    if (!Number.isSafeInteger(minutes) || minutes <= 0) throw new BybitHistoryError('BYBIT.BAD_REQUEST', `${path}: ${m.id} has a bad info.fundingInterval`);
    markets.push(m);
    perpetuals.push({ id: m.id, symbol: m.symbol, fundingIntervalMinutes: minutes });
  }
  return { markets, perpetuals };
}
