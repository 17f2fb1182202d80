import { Test } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { BAR_REPOSITORY, EVENT_STORE, RUN_REPOSITORY, type BarRepository, type EventStore, type RunRepository } from '@lib/kernel';
import { SqlBarRepository } from '../catalog/sql-bar-repository.js';
import { SqlEventStore } from '../events/sql-event-store.js';
import { SqlRunRepository } from '../runs/sql-run-repository.js';
import { streamEvents } from '../testing/event-fixtures.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../testing/test-databases.js';
import { DATA_SOURCE, PersistenceModule } from './persistence.module.js';

describe.each(BACKENDS)('PersistenceModule on %s', (backend) => {
  let db: TestDatabase;

  beforeAll(() => {
    db = createTestDatabase(backend);
  });
  afterAll(() => db.drop());

  const boot = async () => {
    const moduleRef = await Test.createTestingModule({ imports: [PersistenceModule.forRoot({ url: db.url })] }).compile();
    return moduleRef.init();
  };

  it('provides the stores on a migrated DataSource and destroys it at shutdown', async () => {
    const app = await boot();
    const dataSource = app.get<DataSource>(DATA_SOURCE);
    const store = app.get<EventStore>(EVENT_STORE);
    expect(dataSource.isInitialized).toBe(true);
    expect(store).toBeInstanceOf(SqlEventStore);
    expect(app.get<BarRepository>(BAR_REPOSITORY)).toBeInstanceOf(SqlBarRepository);
    expect(app.get<RunRepository>(RUN_REPOSITORY)).toBeInstanceOf(SqlRunRepository);

    await store.append(streamEvents('module-run', 1, 3, 1));
    await app.close();
    expect(dataSource.isInitialized).toBe(false);
    await expect(store.lastSeq()).rejects.toThrow(/closed|destroyed/);
  });

  it('boots again on the same database (migrations already applied) and finds the data', async () => {
    const app = await boot();
    try {
      const store = app.get<EventStore>(EVENT_STORE);
      expect(await store.countStream('module-run')).toBe(3);
    } finally {
      await app.close();
    }
  });
});
