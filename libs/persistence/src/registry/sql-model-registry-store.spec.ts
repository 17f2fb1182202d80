import { Test } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { ModelRegistry } from '@lib/ml';
import { modelDraft, modelRegistryStoreContract } from '../../../ml/src/registry/testing/model-registry.contract.js';
import { openDataSource } from '../data-source/data-source.factory.js';
import { PersistenceModule, MODEL_REGISTRY_STORE } from '../module/persistence.module.js';
import { isUniqueViolation } from '../sql/persistence.errors.js';
import { sqlGatewayFor } from '../sql/sql-gateway.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../testing/test-databases.js';
import { SqlModelRegistryStore } from './sql-model-registry-store.js';

// SQLite errors come from a native addon loaded once per jest process: in a later test file they are
// instances of another realm's Error, which `toThrow` does not recognise, so rejections are matched
// on their message.
describe.each(BACKENDS)('SqlModelRegistryStore on %s', (backend) => {
  let db: TestDatabase;
  let dataSource: DataSource;
  /** A second DataSource on the same database: another process (trainer and trader). */
  let otherDataSource: DataSource;
  let store: SqlModelRegistryStore;
  let otherStore: SqlModelRegistryStore;

  beforeAll(async () => {
    db = createTestDatabase(backend);
    dataSource = await openDataSource(db.url);
    otherDataSource = await openDataSource(db.url);
    store = new SqlModelRegistryStore(dataSource);
    otherStore = new SqlModelRegistryStore(otherDataSource);
  });

  afterAll(async () => {
    await Promise.all([dataSource, otherDataSource].filter((d) => d.isInitialized).map((d) => d.destroy()));
    await db.drop();
  });

  describe('registry contract', () => {
    modelRegistryStoreContract({ store: () => store, otherStore: () => otherStore });
  });

  it('refuses a second Production version of a name in the schema itself', async () => {
    const registry = new ModelRegistry(store);
    const name = `schema-guard-${backend}`;
    for (let i = 0; i < 2; i++) await registry.register(modelDraft(name, { params: { i } }));
    const gateway = sqlGatewayFor(dataSource);
    await gateway.execute(`UPDATE model_versions SET stage = 'Production' WHERE name = ? AND version = 1`, [name]);
    const error = await gateway.execute(`UPDATE model_versions SET stage = 'Production' WHERE name = ? AND version = 2`, [name]).catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
    // Other names and other stages are not constrained.
    await registry.register(modelDraft(`${name}-other`));
    await gateway.execute(`UPDATE model_versions SET stage = 'Production' WHERE name = ?`, [`${name}-other`]);
    await gateway.execute(`UPDATE model_versions SET stage = 'Archived' WHERE name = ? AND version = 2`, [name]);
    expect((await registry.production(name))!.version).toBe(1);
  });

  it('refuses unknown stages, history actions and half a parent reference in the schema', async () => {
    const registry = new ModelRegistry(store);
    const name = `schema-checks-${backend}`;
    await registry.register(modelDraft(name));
    const gateway = sqlGatewayFor(dataSource);
    await expect(gateway.execute(`UPDATE model_versions SET stage = 'Shadow' WHERE name = ?`, [name])).rejects.toMatchObject({ message: expect.stringMatching(/check/i) });
    await expect(gateway.execute(`UPDATE model_versions SET parent_name = ? WHERE name = ?`, [name, name])).rejects.toMatchObject({ message: expect.stringMatching(/check/i) });
    await expect(gateway.execute(`UPDATE model_versions SET parent_name = ?, parent_version = 7 WHERE name = ?`, [name, name])).rejects.toMatchObject({ message: expect.stringMatching(/foreign key/i) });
    await expect(
      gateway.execute(`INSERT INTO model_stage_history (name, version, from_stage, to_stage, action, reason, changed_at) VALUES (?, 1, NULL, 'None', 'teleport', '', 0)`, [name]),
    ).rejects.toMatchObject({ message: expect.stringMatching(/check/i) });
    expect((await registry.get(name, 1)).stage).toBe('None');
  });

  it('keeps the registry across a restart (a new DataSource, migrations already applied)', async () => {
    const name = `restart-${backend}`;
    const registry = new ModelRegistry(store);
    await registry.register(modelDraft(name));
    await registry.moveToStaging(name, 1);
    await registry.promote(name, 1, 'first');
    const reopened = await openDataSource(db.url);
    try {
      const again = new ModelRegistry(new SqlModelRegistryStore(reopened));
      expect(await again.production(name)).toEqual(await registry.production(name));
      expect(await again.history(name)).toEqual(await registry.history(name));
      expect((await again.register(modelDraft(name, { params: { next: true } }))).version).toBe(2);
    } finally {
      await reopened.destroy();
    }
  });

  it('is provided by PersistenceModule under MODEL_REGISTRY_STORE, on the module DataSource', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [PersistenceModule.forRoot({ url: db.url })] }).compile();
    const app = await moduleRef.init();
    try {
      const provided = app.get<SqlModelRegistryStore>(MODEL_REGISTRY_STORE);
      expect(provided).toBeInstanceOf(SqlModelRegistryStore);
      expect((await provided.get(`restart-${backend}`, 1))?.stage).toBe('Production');
    } finally {
      await app.close();
    }
  });
});
