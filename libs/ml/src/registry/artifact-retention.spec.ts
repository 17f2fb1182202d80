import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { artifactsToKeep, pruneLocalModelArtifacts } from './artifact-retention.js';
import { ArtifactStoreError } from './artifact-store.js';
import { InMemoryModelRegistryStore } from './in-memory-model-registry-store.js';
import { LocalArtifactStore } from './local-artifact-store.js';
import { ModelRegistry } from './model-registry.js';
import { modelDraft } from './testing/model-registry.contract.js';

describe('model artifact retention (what a model image keeps)', () => {
  let dir: string;
  let store: LocalArtifactStore;
  let registry: ModelRegistry;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tm-retention-'));
    store = new LocalArtifactStore(dir);
    let t = 1_751_400_000_000;
    registry = new ModelRegistry(new InMemoryModelRegistryStore(), { now: () => ++t });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Stores `bytes` as an artifact and registers it as the next version of `name`, staged. */
  async function version(name: string, bytes: string) {
    const stored = await store.put(`models/${name}/${bytes}.onnx`, Buffer.from(bytes));
    const v = await registry.register(modelDraft(name, { artifact: stored }));
    await registry.moveToStaging(name, v.version);
    return v.version;
  }

  it('keeps Production, the rollback target and the newest Staging version of each model; removes the rest', async () => {
    const btc = 'signal-BTCUSDT-PERP';
    const eth = 'signal-ETHUSDT-PERP';
    const b1 = await version(btc, 'btc-1');
    const b2 = await version(btc, 'btc-2');
    const b3 = await version(btc, 'btc-3');
    const b4 = await version(btc, 'btc-4');
    await version(btc, 'btc-5');
    await version(btc, 'btc-6');
    await registry.promote(btc, b1);
    await registry.promote(btc, b2);
    await registry.promote(btc, b3); // Production b3, rollback b2, b1 archived
    await registry.archive(btc, b4);
    await version(eth, 'eth-1'); // never promoted: only the newest Staging
    await version(eth, 'eth-2');
    const stray = await store.put('models/signal-OLDUSDT-PERP/stray.onnx', Buffer.from('stray'));
    const report = await store.put('reports/2026-01-01/report.html', Buffer.from('<html>'));

    const keep = await artifactsToKeep(registry);
    expect([...keep.values()].sort()).toEqual(['newest-staging', 'newest-staging', 'production', 'rollback']);

    const dry = await pruneLocalModelArtifacts(store, keep, { dryRun: true });
    expect(dry.removed.map((r) => r.uri.split('/').at(-1))).toEqual(['btc-1.onnx', 'btc-4.onnx', 'btc-5.onnx', 'eth-1.onnx', 'stray.onnx']);
    expect(dry.removed.every((r) => existsSync(fileURLToPath(r.uri)))).toBe(true); // a dry run deletes nothing

    const done = await pruneLocalModelArtifacts(store, keep);
    expect(done.kept.map((k) => `${k.uri.split('/').at(-1)}:${k.reason}`).sort()).toEqual(['btc-2.onnx:rollback', 'btc-3.onnx:production', 'btc-6.onnx:newest-staging', 'eth-2.onnx:newest-staging']);
    expect(done.removed.every((r) => !existsSync(fileURLToPath(r.uri)))).toBe(true);
    expect(existsSync(fileURLToPath(stray.uri))).toBe(false);
    expect(existsSync(fileURLToPath(report.uri))).toBe(true); // not a model: untouched
    // What is kept is still served intact.
    const production = (await registry.production(btc))!;
    expect(Buffer.from(await store.get(production.artifact.uri, production.artifact.sha256)).toString()).toBe('btc-3');
  });

  it('refuses to prune when the registry keeps an artifact the folder does not hold', async () => {
    const name = 'signal-SOLUSDT-PERP';
    const v = await version(name, 'sol-1');
    await registry.promote(name, v);
    await store.delete((await registry.production(name))!.artifact.uri);
    await expect(pruneLocalModelArtifacts(store, await artifactsToKeep(registry))).rejects.toBeInstanceOf(ArtifactStoreError);
  });
});
