/// <reference types="jest" />
import { createHash } from 'node:crypto';
import type { ModelRegistryStore } from '../model-registry-store.port.js';
import { ModelRegistry } from '../model-registry.js';
import type { GatesVerdict, ModelVersion, ModelVersionDraft } from '../model-version.js';
import { InvalidModelVersionError, ModelPromotionError, ModelRegistryError, ModelVersionNotFoundError, NoRollbackTargetError } from '../registry.errors.js';

/*
 * The behaviour every ModelRegistryStore must have, through ModelRegistry. Run by the in-memory
 * store's spec and by @lib/persistence on SQLite and PostgreSQL. Call it inside a `describe`
 * whose `beforeAll` opens the store; the tests share it and use a fresh model name each.
 */

export interface RegistryContractHarness {
  /** The store under test. */
  store(): ModelRegistryStore;
  /** A second store on the same data (another process), when the backend has one. */
  otherStore?(): ModelRegistryStore;
}

export const PASSING_GATES: GatesVerdict = { promotable: true, reasons: ['walk-forward IC 0.0412 >= 0.03', 'Sharpe 1.27 > 0.5'] };
export const FAILING_GATES: GatesVerdict = { promotable: false, reasons: ['walk-forward IC 0.0120 < 0.03', 'Sharpe 0.31 <= 0.5'] };

/** A realistic draft: exact JSON floats, nested params, a feature selection, tags. */
export function modelDraft(name: string, overrides: Partial<ModelVersionDraft> = {}): ModelVersionDraft {
  const sha256 = createHash('sha256').update(`${name}:${JSON.stringify(overrides)}`).digest('hex');
  return {
    name,
    kind: 'gbdt',
    params: { learningRate: 0.05, maxDepth: 4, minSamplesLeaf: 50, subsample: 0.8, l2: 1e-3, earlyStopping: { rounds: 30, validationFraction: 0.1 }, seeds: [1, 2, 3] },
    metrics: { wfIc: 0.0412, icir: 0.5311, sharpe: 1.27, tStat: 3.35, icPerWindow: [0.012, -0.021, 0.05], tiny: 1e-12, big: 123456789.125, note: 'Δ vs scratch: +0.004' },
    dataRange: { fromMs: 1_640_995_200_000, toMs: 1_751_328_000_000 },
    features: ['ret_1', 'ret_6', 'rv_24', 'rsi_14', 'dvol', 'funding_sum_21'],
    selectedFeatures: ['ret_6', 'rv_24', 'dvol'],
    artifact: { uri: `file:///var/tm/artifacts/models/${name}/${sha256}.onnx`, sha256, size: 184_320 },
    gates: PASSING_GATES,
    tags: ['weekly'],
    ...overrides,
  };
}

let nameCounter = 0;

export function modelRegistryStoreContract(harness: RegistryContractHarness): void {
  const clock = { t: 1_751_400_000_000 };
  const tick = () => ++clock.t;
  const registry = (store = harness.store()) => new ModelRegistry(store, { now: () => clock.t });
  const newName = () => `signal-T${++nameCounter}x${process.pid % 1000}-PERP`;

  /** Registers `count` versions of `name` and stages them; all promotable unless `gates` say otherwise. */
  async function staged(reg: ModelRegistry, name: string, count: number, gates: GatesVerdict = PASSING_GATES): Promise<ModelVersion[]> {
    const out: ModelVersion[] = [];
    for (let i = 0; i < count; i++) {
      const v = await reg.register(modelDraft(name, { gates, params: { i } }));
      out.push(await reg.moveToStaging(name, v.version));
    }
    return out;
  }

  const stages = async (reg: ModelRegistry, name: string) => (await reg.list({ name })).map((v) => `v${v.version}:${v.stage}`);

  it('registers a version in stage None and reads every field back exactly', async () => {
    const reg = registry();
    const name = newName();
    const at = tick();
    const draft = modelDraft(name, { tags: ['weekly', 'run:2025-06-30', 'weekly'] });
    const model = await reg.register(draft, 'trainer run 2025-06-30 — walk-forward done');
    const expected: ModelVersion = {
      name,
      kind: 'gbdt',
      params: draft.params,
      metrics: draft.metrics,
      dataRange: draft.dataRange,
      features: draft.features,
      selectedFeatures: draft.selectedFeatures!,
      parent: null,
      artifact: draft.artifact,
      gates: PASSING_GATES,
      tags: ['weekly', 'run:2025-06-30'],
      version: 1,
      stage: 'None',
      createdAt: at,
      updatedAt: at,
      stageChangedAt: at,
    };
    expect(model).toEqual(expected);
    expect(await reg.get(name, 1)).toEqual(expected);
    expect(await reg.find(name, 1)).toEqual(expected);
    expect(await reg.list({ name })).toEqual([expected]);
    expect(await reg.latest(name)).toEqual(expected);
    const [registered] = await reg.history(name);
    expect(registered).toMatchObject({ name, version: 1, from: null, to: 'None', action: 'register', reason: 'trainer run 2025-06-30 — walk-forward done', at });
  });

  it('defaults the selected features to all features and normalizes the checksum to lowercase', async () => {
    const reg = registry();
    const name = newName();
    const { selectedFeatures: _omit, ...rest } = modelDraft(name);
    const upper = rest.artifact.sha256.toUpperCase();
    const model = await reg.register({ ...rest, artifact: { ...rest.artifact, sha256: upper } });
    expect(model.selectedFeatures).toEqual(rest.features);
    expect(model.artifact.sha256).toBe(upper.toLowerCase());
  });

  it('numbers versions 1, 2, 3 per name, independently for each name', async () => {
    const reg = registry();
    const [a, b] = [newName(), newName()];
    const versions: string[] = [];
    for (const name of [a, a, b, a, b]) versions.push(`${name === a ? 'a' : 'b'}${(await reg.register(modelDraft(name))).version}`);
    expect(versions).toEqual(['a1', 'a2', 'b1', 'a3', 'b2']);
    expect((await reg.list({ name: a })).map((v) => v.version)).toEqual([1, 2, 3]);
    expect((await reg.latest(b))!.version).toBe(2);
  });

  it('gives concurrent registrations distinct, gapless versions', async () => {
    const name = newName();
    const stores = [harness.store(), harness.otherStore?.() ?? harness.store()];
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => registry(stores[i % 2]).register(modelDraft(name, { params: { i } }))));
    expect(results.map((m) => m.version).sort((x, y) => x - y)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    // Each version holds the draft that was registered as it.
    for (const m of results) expect((await registry().get(name, m.version)).params).toEqual(m.params);
    expect((await registry().history(name)).filter((t) => t.action === 'register')).toHaveLength(16);
  });

  it('finds nothing for an unknown name or version', async () => {
    const reg = registry();
    const name = newName();
    expect(await reg.find(name, 1)).toBeNull();
    await expect(reg.get(name, 1)).rejects.toBeInstanceOf(ModelVersionNotFoundError);
    await expect(reg.get(name, 1)).rejects.toMatchObject({ code: 'REGISTRY.NOT_FOUND' });
    expect(await reg.production(name)).toBeNull();
    expect(await reg.previous(name)).toBeNull();
    expect(await reg.latest(name)).toBeNull();
    expect(await reg.list({ name })).toEqual([]);
    expect(await reg.history(name)).toEqual([]);
    expect(await reg.snapshot(name)).toEqual({ name, versions: [], history: [] });
    await expect(reg.moveToStaging(name, 1)).rejects.toMatchObject({ code: 'REGISTRY.NOT_FOUND' });
    await expect(reg.promote(name, 1)).rejects.toMatchObject({ code: 'REGISTRY.NOT_FOUND' });
    await expect(reg.rollback(name)).rejects.toMatchObject({ code: 'REGISTRY.NOT_FOUND' });
    await reg.register(modelDraft(name));
    await expect(reg.promote(name, 2)).rejects.toMatchObject({ code: 'REGISTRY.NOT_FOUND' });
  });

  it('lists by name, stage and tag, ordered by name then version', async () => {
    const reg = registry();
    const [a, b] = [newName(), newName()];
    await reg.register(modelDraft(b, { tags: ['x'] }));
    await reg.register(modelDraft(a, { tags: ['x', 'y'] }));
    await reg.register(modelDraft(a, { tags: ['y'] }));
    await reg.moveToStaging(a, 2);
    const mine = (vs: ModelVersion[]) => vs.filter((v) => v.name === a || v.name === b).map((v) => `${v.name === a ? 'a' : 'b'}${v.version}`);
    expect(mine(await reg.list())).toEqual(a < b ? ['a1', 'a2', 'b1'] : ['b1', 'a1', 'a2']);
    expect(mine(await reg.list({ tag: 'x' }))).toEqual(a < b ? ['a1', 'b1'] : ['b1', 'a1']);
    expect(mine(await reg.list({ name: a, tag: 'y' }))).toEqual(['a1', 'a2']);
    expect(mine(await reg.list({ stage: 'Staging' }))).toEqual(['a2']);
    expect(mine(await reg.list({ name: b, stage: 'Staging' }))).toEqual([]);
  });

  it('records the parent version (transfer learning) and refuses an unknown parent', async () => {
    const reg = registry();
    const name = newName();
    const base = await reg.register(modelDraft(name));
    const child = await reg.register(modelDraft(name, { parent: { name, version: base.version } }));
    expect(child.parent).toEqual({ name, version: 1 });
    expect((await reg.get(name, 2)).parent).toEqual({ name, version: 1 });
    await expect(reg.register(modelDraft(name, { parent: { name, version: 9 } }))).rejects.toBeInstanceOf(InvalidModelVersionError);
    expect((await reg.list({ name })).map((v) => v.version)).toEqual([1, 2]);
  });

  it('refuses an invalid draft, naming every problem, without storing anything', async () => {
    const reg = registry();
    const name = newName();
    const bad = modelDraft(name, {
      dataRange: { fromMs: 2, toMs: 1 },
      selectedFeatures: ['ret_6', 'not_a_feature'],
      artifact: { uri: 'file:///x.onnx', sha256: 'abc', size: 1 },
      metrics: { ic: Number.NaN },
    });
    const error = await reg.register(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidModelVersionError);
    expect((error as ModelRegistryError).code).toBe('REGISTRY.INVALID_MODEL');
    expect((error as Error).message).toMatch(/dataRange/);
    expect((error as Error).message).toMatch(/not_a_feature/);
    expect((error as Error).message).toMatch(/sha256/);
    expect((error as Error).message).toMatch(/metrics\.ic is NaN/);
    await expect(reg.register(modelDraft('bad name!'))).rejects.toBeInstanceOf(InvalidModelVersionError);
    expect(await reg.list({ name })).toEqual([]);
    expect((await reg.register(modelDraft(name))).version).toBe(1);
  });

  it('stages a None version once; promotes only from Staging', async () => {
    const reg = registry();
    const name = newName();
    await reg.register(modelDraft(name));
    await expect(reg.promote(name, 1)).rejects.toMatchObject({ code: 'REGISTRY.INVALID_TRANSITION', from: 'None', to: 'Production' });
    const at = tick();
    const model = await reg.moveToStaging(name, 1, 'candidate of the weekly run');
    expect(model).toMatchObject({ stage: 'Staging', stageChangedAt: at, updatedAt: at });
    await expect(reg.moveToStaging(name, 1)).rejects.toMatchObject({ code: 'REGISTRY.INVALID_TRANSITION', from: 'Staging', to: 'Staging' });
    const { promoted } = await reg.promote(name, 1);
    expect(promoted.stage).toBe('Production');
    await expect(reg.promote(name, 1)).rejects.toMatchObject({ code: 'REGISTRY.INVALID_TRANSITION', from: 'Production' });
  });

  it('enforces the gates: a failing model is registered and staged but never promoted', async () => {
    const reg = registry();
    const name = newName();
    const [good] = await staged(reg, name, 1);
    await reg.promote(name, good!.version);
    const [bad] = await staged(reg, name, 1, FAILING_GATES);
    const error = await reg.promote(name, bad!.version).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelPromotionError);
    expect(error).toMatchObject({ code: 'REGISTRY.GATES_FAILED', reasons: FAILING_GATES.reasons, modelName: name, version: 2 });
    expect((error as Error).message).toContain('walk-forward IC 0.0120 < 0.03');
    expect(await stages(reg, name)).toEqual(['v1:Production', 'v2:Staging']);
    expect((await reg.history(name, 2)).map((t) => t.action)).toEqual(['register', 'stage']);
    expect((await reg.get(name, 2)).gates).toEqual(FAILING_GATES);
  });

  it('promotion archives the previous Production: one Production per name', async () => {
    const reg = registry();
    const name = newName();
    const other = newName();
    await staged(reg, name, 3);
    await staged(reg, other, 1);
    await reg.promote(other, 1);
    const first = await reg.promote(name, 1);
    expect(first.archived).toBeNull();
    expect(first.promoted).toMatchObject({ version: 1, stage: 'Production' });
    const at = tick();
    const second = await reg.promote(name, 2, 'IC 0.05 beats v1');
    expect(second.promoted).toMatchObject({ version: 2, stage: 'Production', stageChangedAt: at });
    expect(second.archived).toMatchObject({ version: 1, stage: 'Archived', stageChangedAt: at });
    expect(await stages(reg, name)).toEqual(['v1:Archived', 'v2:Production', 'v3:Staging']);
    expect((await reg.production(name))!.version).toBe(2);
    expect(await reg.list({ name, stage: 'Production' })).toHaveLength(1);
    // Another name is not touched.
    expect((await reg.production(other))!.version).toBe(1);
  });

  it('leaves exactly one Production when promotions race', async () => {
    const name = newName();
    await staged(registry(), name, 6);
    const stores = [harness.store(), harness.otherStore?.() ?? harness.store()];
    const results = await Promise.allSettled([1, 2, 3, 4, 5, 6].map((v) => registry(stores[v % 2]).promote(name, v)));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const versions = await registry().list({ name });
    expect(versions.filter((v) => v.stage === 'Production')).toHaveLength(1);
    expect(versions.filter((v) => v.stage === 'Archived')).toHaveLength(5);
    // Each promotion archived exactly the version promoted just before it.
    const promotions = (await registry().history(name)).filter((t) => t.action === 'promote');
    const order = promotions.filter((t) => t.to === 'Production').map((t) => t.version);
    const archivedInOrder = promotions.filter((t) => t.to === 'Archived').map((t) => t.version);
    expect(archivedInOrder).toEqual(order.slice(0, -1));
    expect((await registry().production(name))!.version).toBe(order.at(-1));
  });

  it('rollback restores the previous Production and archives the current one, walking back on repeat', async () => {
    const reg = registry();
    const name = newName();
    await staged(reg, name, 3);
    for (const v of [1, 2, 3]) await reg.promote(name, v);
    expect((await reg.previous(name))!.version).toBe(2);

    const at = tick();
    const back = await reg.rollback(name, 'live IC collapsed');
    expect(back.restored).toMatchObject({ version: 2, stage: 'Production', stageChangedAt: at });
    expect(back.archived).toMatchObject({ version: 3, stage: 'Archived' });
    expect(await stages(reg, name)).toEqual(['v1:Archived', 'v2:Production', 'v3:Archived']);
    // v3 was rolled back for a reason: it is not a candidate; v1 is next.
    expect((await reg.previous(name))!.version).toBe(1);

    await reg.rollback(name);
    expect(await stages(reg, name)).toEqual(['v1:Production', 'v2:Archived', 'v3:Archived']);
    expect(await reg.previous(name)).toBeNull();
    const error = await reg.rollback(name).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoRollbackTargetError);
    expect(error).toMatchObject({ code: 'REGISTRY.NO_ROLLBACK_TARGET' });
    expect(await stages(reg, name)).toEqual(['v1:Production', 'v2:Archived', 'v3:Archived']);
  });

  it('refuses a rollback when nothing was ever replaced in Production', async () => {
    const reg = registry();
    const name = newName();
    await staged(reg, name, 2);
    await expect(reg.rollback(name)).rejects.toBeInstanceOf(NoRollbackTargetError);
    await reg.promote(name, 1);
    await expect(reg.rollback(name)).rejects.toBeInstanceOf(NoRollbackTargetError);
    expect(await stages(reg, name)).toEqual(['v1:Production', 'v2:Staging']);
  });

  it('after a rollback, the next promotion makes the restored version the previous one', async () => {
    const reg = registry();
    const name = newName();
    await staged(reg, name, 3);
    await reg.promote(name, 1);
    await reg.promote(name, 2);
    await reg.rollback(name); // v1 back, v2 archived by the rollback
    await reg.promote(name, 3);
    expect(await stages(reg, name)).toEqual(['v1:Archived', 'v2:Archived', 'v3:Production']);
    expect((await reg.previous(name))!.version).toBe(1);
    expect((await reg.rollback(name)).restored.version).toBe(1);
  });

  it('promotes by tag: the highest version carrying it, gates enforced', async () => {
    const reg = registry();
    const name = newName();
    await staged(reg, name, 3);
    await reg.addTags(name, 1, ['candidate']);
    await reg.addTags(name, 2, ['candidate', 'reviewed']);
    const { promoted, archived } = await reg.promoteByTag(name, 'candidate');
    expect(promoted).toMatchObject({ version: 2, stage: 'Production' });
    expect(archived).toBeNull();
    expect((await reg.history(name, 2)).at(-1)).toMatchObject({ action: 'promote', reason: "promoted by tag 'candidate'" });

    await expect(reg.promoteByTag(name, 'nope')).rejects.toMatchObject({ code: 'REGISTRY.NOT_FOUND' });
    await expect(reg.promoteByTag(name, 'candidate')).rejects.toMatchObject({ code: 'REGISTRY.INVALID_TRANSITION' });

    const [failing] = await staged(reg, name, 1, FAILING_GATES);
    await reg.addTags(name, failing!.version, ['hotfix']);
    await expect(reg.promoteByTag(name, 'hotfix')).rejects.toMatchObject({ code: 'REGISTRY.GATES_FAILED' });
    await reg.addTags(name, 3, ['hotfix']);
    // v4 (failing) is the highest 'hotfix' version: the tag does not skip to a passing one.
    await expect(reg.promoteByTag(name, 'hotfix')).rejects.toBeInstanceOf(ModelPromotionError);
    await reg.removeTags(name, 4, ['hotfix']);
    expect((await reg.promoteByTag(name, 'hotfix', 'hotfix approved')).promoted.version).toBe(3);
    expect(await stages(reg, name)).toEqual(['v1:Staging', 'v2:Archived', 'v3:Production', 'v4:Staging']);
  });

  it('keeps tags as an ordered set', async () => {
    const reg = registry();
    const name = newName();
    await reg.register(modelDraft(name, { tags: ['a'] }));
    const at = tick();
    expect((await reg.addTags(name, 1, ['b', 'a', 'c'])).tags).toEqual(['a', 'b', 'c']);
    const model = await reg.removeTags(name, 1, ['a', 'zz']);
    expect(model).toMatchObject({ tags: ['b', 'c'], updatedAt: at, stage: 'None' });
    expect((await reg.list({ name, tag: 'a' })).length).toBe(0);
    await expect(reg.addTags(name, 7, ['x'])).rejects.toBeInstanceOf(ModelVersionNotFoundError);
    await expect(reg.addTags(name, 1, [' padded '])).rejects.toBeInstanceOf(InvalidModelVersionError);
  });

  it('archives a candidate, or withdraws Production without a replacement', async () => {
    const reg = registry();
    const name = newName();
    await staged(reg, name, 3);
    expect((await reg.archive(name, 3, 'worse than v2')).stage).toBe('Archived');
    await expect(reg.archive(name, 3)).rejects.toMatchObject({ code: 'REGISTRY.INVALID_TRANSITION' });
    await expect(reg.promote(name, 3)).rejects.toMatchObject({ code: 'REGISTRY.INVALID_TRANSITION' });
    await reg.promote(name, 1);
    await reg.promote(name, 2);
    await reg.archive(name, 2, 'kill switch');
    expect(await reg.production(name)).toBeNull();
    // The loader's previous tier still has v1, and a rollback restores it.
    expect((await reg.previous(name))!.version).toBe(1);
    const back = await reg.rollback(name);
    expect(back).toMatchObject({ restored: { version: 1, stage: 'Production' }, archived: null });
  });

  it('records every stage change with its action, reason and time, in order', async () => {
    const reg = registry();
    const name = newName();
    const times: number[] = [];
    const step = async (work: () => Promise<unknown>) => {
      times.push(tick());
      await work();
    };
    await step(() => reg.register(modelDraft(name), 'weekly 2025-06-23'));
    await step(() => reg.register(modelDraft(name, { params: { x: 1 } }), 'weekly 2025-06-30'));
    await step(() => reg.moveToStaging(name, 1, 'gates passed'));
    await step(() => reg.promote(name, 1, 'first model'));
    await step(() => reg.moveToStaging(name, 2, 'gates passed'));
    await step(() => reg.promote(name, 2, 'better IC'));
    await step(() => reg.rollback(name, 'drawdown alert'));
    const history = await reg.history(name);
    expect(history.map(({ seq: _seq, ...t }) => t)).toEqual([
      { name, version: 1, from: null, to: 'None', action: 'register', reason: 'weekly 2025-06-23', at: times[0] },
      { name, version: 2, from: null, to: 'None', action: 'register', reason: 'weekly 2025-06-30', at: times[1] },
      { name, version: 1, from: 'None', to: 'Staging', action: 'stage', reason: 'gates passed', at: times[2] },
      { name, version: 1, from: 'Staging', to: 'Production', action: 'promote', reason: 'first model', at: times[3] },
      { name, version: 2, from: 'None', to: 'Staging', action: 'stage', reason: 'gates passed', at: times[4] },
      { name, version: 1, from: 'Production', to: 'Archived', action: 'promote', reason: 'replaced by v2: better IC', at: times[5] },
      { name, version: 2, from: 'Staging', to: 'Production', action: 'promote', reason: 'better IC', at: times[5] },
      { name, version: 2, from: 'Production', to: 'Archived', action: 'rollback', reason: 'rolled back to v1: drawdown alert', at: times[6] },
      { name, version: 1, from: 'Archived', to: 'Production', action: 'rollback', reason: 'drawdown alert', at: times[6] },
    ]);
    const seqs = history.map((t) => t.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect((await reg.history(name, 2)).map((t) => `${t.from}>${t.to}`)).toEqual(['null>None', 'None>Staging', 'Staging>Production', 'Production>Archived']);
    expect((await reg.snapshot(name)).history).toEqual(history);
  });

  it('applies a stage update all or nothing', async () => {
    const store = harness.store();
    const reg = registry(store);
    const name = newName();
    await staged(reg, name, 2);
    const before = await reg.snapshot(name);
    const boom = new Error('decided to abort');
    await expect(
      store.updateStages(
        name,
        () => {
          throw boom;
        },
        tick(),
      ),
    ).rejects.toBe(boom);
    await expect(
      store.updateStages(
        name,
        () => [
          { version: 1, to: 'Production', action: 'promote', reason: 'ok' },
          { version: 99, to: 'Production', action: 'promote', reason: 'no such version' },
        ],
        tick(),
      ),
    ).rejects.toHaveProperty('message');
    await expect(
      store.updateStages(
        name,
        () => [
          { version: 1, to: 'Production', action: 'promote', reason: 'ok' },
          { version: 2, to: 'Production', action: 'promote', reason: 'a second Production' },
        ],
        tick(),
      ),
    ).rejects.toHaveProperty('message');
    expect(await reg.snapshot(name)).toEqual(before);
    // An empty decision changes nothing and returns the versions as they are.
    const update = await store.updateStages(name, () => [], tick());
    expect(update).toEqual({ transitions: [], versions: before.versions });
  });
}
