import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@config';
import { CatalogImporter, CatalogModule } from '@lib/data';
import { PersistenceModule } from '@lib/persistence';
import { instrumentFromSpec, isBarInterval, type BarInterval } from '@lib/model';
import { renderTable } from '../reporting/results-table.js';

const USAGE = `usage: npm run import -- [--data <dir>] [--source binance|bybit] [--interval 4h]
  Imports {source}_{SYMBOL}_{interval}.csv and {source}_{SYMBOL}_funding_8h.csv files into the bar catalog
  of the store (DATABASE_URL). Every row is validated first; rejected rows are reported with their line and
  never stored; rows already stored are skipped; a row that differs from the stored one is refused.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { data: { type: 'string' }, source: { type: 'string' }, interval: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const intervals: BarInterval[] | undefined = values.interval === undefined ? undefined : [values.interval].filter(isBarInterval);
  if (values.interval !== undefined && intervals?.length !== 1) throw new Error(`--interval: '${values.interval}' is not a bar interval`);
  const config = loadConfig();
  @Module({ imports: [PersistenceModule.forRoot({ url: config.databaseUrl, timeSeries: false }), CatalogModule] })
  class ImportModule {}
  const app = await NestFactory.createApplicationContext(ImportModule, { logger: ['error', 'warn'] });
  try {
    const dataDir = values.data ?? process.env.TM_DATA_DIR ?? '../shared/data';
    const report = await app.get(CatalogImporter).importFolder(dataDir, {
      instruments: config.instruments.map((spec) => instrumentFromSpec(spec)),
      ...(values.source ? { sources: [values.source] } : {}),
      ...(intervals ? { intervals } : {}),
    });
    console.log(
      renderTable(
        ['file', 'rows', 'inserted', 'duplicates', 'conflicts', 'rejected'],
        report.files.map((f) => [f.file, String(f.rows), String(f.inserted), String(f.duplicates), String(f.conflicts), String(f.rejected)]),
      ),
    );
    for (const s of report.skipped) console.log(`skipped ${s.file}: ${s.reason}`);
    const t = report.totals;
    console.log(`\ntotal: ${t.rows} rows, ${t.inserted} inserted, ${t.duplicates} already stored, ${t.conflicts} conflicts, ${t.rejected} rejected`);
    return t.conflicts > 0 ? 1 : 0;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`import failed: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(1);
  },
);
