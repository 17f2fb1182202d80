import { realpathSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { BarInterval } from '@lib/model';
import {
  BybitHistoryClient,
  BybitHistoryError,
  CatalogConflictError,
  CatalogWriter,
  intervalMs,
  parseInterval,
  type BybitHistoryClientOptions,
  type BybitPerpetual,
  type CatalogWriteResult,
} from '@lib/venues-bybit';
import { ProgressReporter } from '@lib/reporting';
import { renderTable } from '../reporting/results-table.js';
import { CliError, parseDate } from './cli-args.js';

export const INGEST_USAGE = `usage: npm run ingest -- --out <dir> [options]
  --out <dir>           catalog folder to write bybit_{SYMBOL}_{interval}.csv (and _funding_8h.csv) into
  --instruments <list>  comma-separated Bybit USDT perpetuals (default: BTCUSDT,ETHUSDT,SOLUSDT)
  --interval <i>        1m | 5m | 15m | 1h | 4h | 1d (default: 4h)
  --from <date>         UTC, YYYY-MM-DD or ISO, inclusive (default: 2024-01-01)
  --to <date>           UTC, exclusive (default: now; the candle still open is never written)
  --funding             also fetch the funding-rate history
  BYBIT_API_URL         REST base URL (default https://api.bybit.com); no API key is needed or read
Existing files are kept: only newer rows are appended; a row that differs from the file stops the run.`;

const DEFAULT_INSTRUMENTS = 'BTCUSDT,ETHUSDT,SOLUSDT';
const DEFAULT_FROM = '2024-01-01';

/** Where the CLI writes and what it talks to (replaced in tests). */
export interface IngestIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Extra client options (tests: fast retries, a fixed clock). */
  readonly clientOptions?: Partial<BybitHistoryClientOptions>;
  /** Sees the client before any request (tests: guard its fetch). */
  readonly onClient?: (client: BybitHistoryClient) => void;
}

const processIo: IngestIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z'));

function parseIngestArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        instruments: { type: 'string' },
        interval: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        funding: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/**
 * `npm run ingest`: fetches closed Bybit candles (and funding with --funding) through ccxt and
 * writes them into a catalog folder the backtest reads. Returns the exit code: 0 done, 1 the
 * ingestion failed (the message says which symbol and why; no partial file is left), 2 bad arguments.
 */
export async function runIngest(argv: string[], io: IngestIo = processIo): Promise<number> {
  try {
    const args = parseIngestArgs(argv);
    if (args.help) {
      io.stdout(INGEST_USAGE);
      return 0;
    }
    if (!args.out) throw new CliError('--out <dir> is required');
    let interval: BarInterval;
    try {
      interval = parseInterval(args.interval ?? '4h');
    } catch (err) {
      throw new CliError(`--interval: ${(err as Error).message}`);
    }
    const client = new BybitHistoryClient({
      env: io.env,
      ...io.clientOptions,
      onRetry: (e) => {
        io.stderr(`retry ${e.attempt}/${e.maxRetries} in ${e.delayMs} ms: ${e.symbol} GET ${e.endpoint}: ${e.error}`);
        io.clientOptions?.onRetry?.(e);
      },
    });
    const now = io.clientOptions?.now?.() ?? Date.now();
    const from = parseDate('from', args.from ?? DEFAULT_FROM)!;
    const to = args.to === undefined ? now : parseDate('to', args.to)!;
    if (from >= to) throw new CliError(`--from ${iso(from)} must be before --to ${iso(to)}`);
    const names = (args.instruments ?? DEFAULT_INSTRUMENTS)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (names.length === 0) throw new CliError('--instruments: no instrument given');
    // Every name is checked before the first request: an unknown symbol costs no download.
    const markets = names.map((n) => client.resolve(n));
    io.onClient?.(client);

    await mkdir(args.out, { recursive: true });
    const writer = new CatalogWriter(args.out, 'bybit');
    const ms = intervalMs(interval);
    const lastClose = Math.min(to, now);
    const barsEach = Math.max(0, Math.floor((lastClose - Math.ceil(from / ms) * ms) / ms));
    const fundingEach = (m: BybitPerpetual) => Math.max(0, Math.floor((lastClose - from) / (m.fundingIntervalMinutes * 60_000)));
    const total = markets.reduce((acc, m) => acc + barsEach + (args.funding ? fundingEach(m) : 0), 0);
    const reporter = new ProgressReporter('ingest', total, io.stderr);
    let done = 0;
    const onPage = (e: { rows: number }) => {
      done += e.rows;
      reporter.tick(done);
    };

    const origin = new URL(client.baseUrl).origin;
    io.stderr(
      `ingest: ${markets.map((m) => m.id).join(', ')} ${interval}${args.funding ? ' + funding' : ''} ${iso(from)} → ${iso(to)} from ${origin} into ${args.out}`,
    );
    const results: CatalogWriteResult[] = [];
    for (const market of markets) {
      const bars = await client.fetchOHLCV(market.id, interval, from, to, onPage);
      results.push(await writer.writeBars(market.id, interval, bars));
      if (args.funding) {
        const funding = await client.fetchFundingRateHistory(market.id, from, to, onPage);
        results.push(await writer.writeFunding(market.id, funding));
      }
    }
    reporter.tick(done, true);

    io.stdout(
      renderTable(
        ['file', 'fetched', 'appended', 'unchanged', 'rows', 'first', 'last'],
        results.map((r) => [r.file, String(r.fetched), String(r.appended), String(r.unchanged), String(r.total), iso(r.first), iso(r.last)]),
      ),
    );
    for (const r of results) {
      if (r.fetched === 0) io.stderr(`warning: ${r.file}: Bybit returned no rows in ${iso(from)} → ${iso(to)}${r.total === 0 ? '; no file written' : ''}`);
      if (r.skippedOlder > 0) io.stderr(`warning: ${r.file}: ${r.skippedOlder} fetched row(s) older than the file's last row are not in it and were not inserted (files are append-only)`);
    }
    io.stdout(`\nbacktest it: npm run backtest -- --data ${args.out} --source bybit --interval ${interval} --from ${iso(from).slice(0, 10)} --to ${iso(to).slice(0, 10)}`);
    return 0;
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr(`${err.message}\n\n${INGEST_USAGE}`);
      return 2;
    }
    if (err instanceof BybitHistoryError || err instanceof CatalogConflictError) {
      io.stderr(`ingest failed: ${err.message}`);
      return 1;
    }
    io.stderr(`ingest failed: ${(err as Error).stack ?? String(err)}`);
    return 1;
  }
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  runIngest(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`ingest failed: ${String(err)}`);
      process.exit(1);
    },
  );
}
