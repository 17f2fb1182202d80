import { InMemoryModelRegistryStore } from './in-memory-model-registry-store.js';
import { ModelRegistry } from './model-registry.js';
import { rollbackTarget } from './stage-rules.js';
import { modelDraft, modelRegistryStoreContract } from './testing/model-registry.contract.js';

describe('ModelRegistry on the in-memory store', () => {
  let store: InMemoryModelRegistryStore;
  beforeAll(() => {
    store = new InMemoryModelRegistryStore();
  });

  modelRegistryStoreContract({ store: () => store });
});

describe('ModelRegistry', () => {
  it('hands out copies: changing a returned version does not change the registry', async () => {
    const registry = new ModelRegistry(new InMemoryModelRegistryStore(), { now: () => 1 });
    const model = await registry.register(modelDraft('signal-BTCUSDT-PERP'));
    (model.metrics as Record<string, unknown>)['wfIc'] = 99;
    (model.tags as string[]).push('mutated');
    const again = await registry.get('signal-BTCUSDT-PERP', 1);
    expect(again.metrics['wfIc']).toBe(0.0412);
    expect(again.tags).toEqual(['weekly']);
  });

  it('uses the wall clock by default (bookkeeping only)', async () => {
    const before = Date.now();
    const model = await new ModelRegistry(new InMemoryModelRegistryStore()).register(modelDraft('signal-ETHUSDT-PERP'));
    expect(model.createdAt).toBeGreaterThanOrEqual(before);
  });

  it('finds no rollback target in an empty history', () => {
    expect(rollbackTarget({ name: 'x', versions: [], history: [] })).toBeNull();
  });
});
