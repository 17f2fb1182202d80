import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { CatalogImporter, CatalogModule } from '@lib/data';
import { PersistenceModule } from '@lib/persistence';
import { instrumentFromSpec } from '@lib/model';
import { loadConfig } from '@config';
import { runBacktest } from '../support/run-backtest.js';
import { readRunEvents } from '../support/read-events.js';
import { DATA_DIR, tempSqlite } from '../support/databases.js';

/** CSV folder → catalog in the store → backtest from the catalog gives the same trading as from the files. */
describe('acceptance: backtest from the stored catalog', () => {
  const store = tempSqlite();
  afterAll(() => store.dispose());

  async function importBybit4h() {
    @Module({ imports: [PersistenceModule.forRoot({ url: store.url }), CatalogModule] })
    class ImportModule {}
    const app = await NestFactory.createApplicationContext(ImportModule, { logger: false });
    try {
      const instruments = loadConfig({}).instruments.map((s) => instrumentFromSpec(s));
      return await app.get(CatalogImporter).importFolder(DATA_DIR, { instruments, sources: ['bybit'], intervals: ['4h'] });
    } finally {
      await app.close();
    }
  }

  it('imports idempotently and trades identically from the catalog and from the files', async () => {
    const first = await importBybit4h();
    expect(first.totals).toEqual({ rows: 3 * 3366 + 3 * 1682, inserted: 3 * 3366 + 3 * 1682, duplicates: 0, conflicts: 0, rejected: 0 });
    const second = await importBybit4h();
    expect(second.totals.inserted).toBe(0);
    expect(second.totals.duplicates).toBe(3 * 3366 + 3 * 1682);

    const window = { source: 'bybit', interval: '4h' as const, from: Date.parse('2024-01-01T00:00:00Z'), to: Date.parse('2024-10-01T00:00:00Z') };
    const fromCatalog = await runBacktest(store.url, { ...window, catalog: true });
    const fromFiles = await runBacktest(store.url, window);
    expect(fromCatalog.outcome.summary.bars).toBe(fromFiles.outcome.summary.bars);
    expect(fromCatalog.outcome.summary.fundingEvents).toBe(fromFiles.outcome.summary.fundingEvents);
    expect(fromCatalog.outcome.summary.stateHash).toBe(fromFiles.outcome.summary.stateHash);
    expect(fromCatalog.replay.matches).toBe(true);
    // Everything after run.started (which records where the data came from) is byte-identical.
    const a = (await readRunEvents(store.url, fromCatalog.outcome.summary.runId)).slice(1).map((e) => `${e.type}|${e.payload}`);
    const b = (await readRunEvents(store.url, fromFiles.outcome.summary.runId)).slice(1).map((e) => `${e.type}|${e.payload}`);
    expect(a).toEqual(b);
  }, 120_000);
});
