import { parseArgs } from 'node:util';

export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** Parses a date given as YYYY-MM-DD or an ISO timestamp, in UTC. */
export function parseDate(flag: string, text: string | undefined): number | null {
  if (text === undefined) return null;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw new CliError(`--${flag}: '${text}' is not a date (use YYYY-MM-DD)`);
  return ms;
}

export function parseBacktestArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      source: { type: 'string' },
      interval: { type: 'string' },
      instruments: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      capital: { type: 'string' },
      strategy: { type: 'string' },
      'run-id': { type: 'string' },
      catalog: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  return values;
}

export const BACKTEST_USAGE = `usage: npm run backtest -- [options]
  --data <dir>          folder of {source}_{SYMBOL}_{interval}.csv files (default: $TM_DATA_DIR or ../shared/data)
  --out <dir>           where summary.json, equity.csv and equity.svg go (default: out)
  --source <name>       file prefix: binance | bybit (default: binance)
  --interval <i>        1h | 4h | 1d (default: 4h)
  --instruments <list>  comma-separated ids or symbols (default: BTC, ETH, SOL perpetuals)
  --from / --to <date>  UTC dates, YYYY-MM-DD (to is exclusive)
  --capital <amount>    initial capital in USDT (default: 100000)
  --strategy <name>     vol-target-trend (baseline) | ml-signal (the trainer's Production models; npm run train first)
                        | buy-and-hold (equal-weight benchmark)
  --run-id <id>         explicit run id (default: generated)
  --catalog             read bars and funding from the store's catalog (npm run import) instead of CSV files
  DATABASE_URL          sqlite:<file> (default sqlite:var/trade-matrix.sqlite) or postgres://...`;
