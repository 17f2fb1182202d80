import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ArtifactConflictError,
  ArtifactIntegrityError,
  ArtifactNotFoundError,
  ArtifactStoreError,
  assertArtifactKey,
  modelArtifactKey,
  sha256Hex,
} from './artifact-store.js';
import { LocalArtifactStore } from './local-artifact-store.js';

describe('LocalArtifactStore', () => {
  let dir: string;
  let root: string;
  let store: LocalArtifactStore;
  let keyCounter = 0;
  const newKey = () => `models/signal-BTCUSDT-PERP/v${++keyCounter}.onnx`;
  const tempFiles = () => readdirSync(join(root, '.tmp'));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tm-artifacts-'));
    // A space and a non-ASCII character: the file URL must encode them and decode back.
    root = join(dir, 'artifact root é');
    store = new LocalArtifactStore(root);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores bytes under their key and reads them back, verified', async () => {
    const bytes = randomBytes(100_003);
    const key = newKey();
    const stored = await store.put(key, bytes);
    expect(stored).toEqual({ uri: store.uriFor(key), sha256: sha256Hex(bytes), size: 100_003 });
    expect(stored.uri.startsWith('file:///')).toBe(true);
    expect(fileURLToPath(stored.uri)).toBe(join(root, ...key.split('/')));
    expect(readFileSync(join(root, key))).toEqual(bytes);
    expect(await store.exists(stored.uri)).toBe(true);
    const read = await store.get(stored.uri, stored.sha256);
    expect(read).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(read).equals(bytes)).toBe(true);
    // The checksum may be given in either case.
    expect((await store.get(stored.uri, stored.sha256.toUpperCase())).byteLength).toBe(100_003);
    expect(tempFiles()).toEqual([]);
  });

  it('stores an empty artifact', async () => {
    const stored = await store.put(newKey(), new Uint8Array(0));
    expect(stored.size).toBe(0);
    expect((await store.get(stored.uri, stored.sha256)).byteLength).toBe(0);
  });

  it('detects a tampered, truncated or replaced file on read', async () => {
    const bytes = randomBytes(4096);
    const stored = await store.put(newKey(), bytes);
    const path = fileURLToPath(stored.uri);

    const flipped = Buffer.from(bytes);
    flipped[2048] = flipped[2048]! ^ 0x01;
    writeFileSync(path, flipped);
    const error = await store.get(stored.uri, stored.sha256).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactIntegrityError);
    expect(error).toMatchObject({ code: 'ARTIFACT.INTEGRITY', uri: stored.uri, expectedSha256: stored.sha256, actualSha256: sha256Hex(flipped), size: 4096 });
    expect((error as Error).message).toContain(stored.sha256);

    writeFileSync(path, bytes.subarray(0, 4000));
    await expect(store.get(stored.uri, stored.sha256)).rejects.toBeInstanceOf(ArtifactIntegrityError);

    writeFileSync(path, bytes);
    expect(Buffer.from(await store.get(stored.uri, stored.sha256)).equals(bytes)).toBe(true);
    // The right file with the wrong expectation is refused too.
    await expect(store.get(stored.uri, sha256Hex(Buffer.from('something else')))).rejects.toBeInstanceOf(ArtifactIntegrityError);
  });

  it('reports a missing artifact clearly; delete is idempotent', async () => {
    const stored = await store.put(newKey(), Buffer.from('model'));
    await store.delete(stored.uri);
    expect(await store.exists(stored.uri)).toBe(false);
    const error = await store.get(stored.uri, stored.sha256).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactNotFoundError);
    expect(error).toMatchObject({ code: 'ARTIFACT.NOT_FOUND', uri: stored.uri });
    await expect(store.delete(stored.uri)).resolves.toBeUndefined();
    const never = store.uriFor('never/written/model.onnx');
    expect(await store.exists(never)).toBe(false);
    await expect(store.get(never, stored.sha256)).rejects.toBeInstanceOf(ArtifactNotFoundError);
    // A fresh store whose root folder does not exist yet.
    const empty = new LocalArtifactStore(join(dir, 'not-created'));
    await expect(empty.get(empty.uriFor('a.onnx'), stored.sha256)).rejects.toBeInstanceOf(ArtifactNotFoundError);
  });

  it('is write-once: the same bytes again are a no-op, different bytes a conflict', async () => {
    const key = newKey();
    const original = Buffer.from('original model bytes');
    const first = await store.put(key, original);
    expect(await store.put(key, Buffer.from(original))).toEqual(first);
    const error = await store.put(key, Buffer.from('other model bytes')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactConflictError);
    expect(error).toMatchObject({ code: 'ARTIFACT.CONFLICT', storedSha256: first.sha256 });
    expect(readFileSync(fileURLToPath(first.uri))).toEqual(original);
    expect(tempFiles()).toEqual([]);
  });

  it('publishes atomically: concurrent writers of one key leave one complete file, never a mix', async () => {
    const key = newKey();
    const candidates = Array.from({ length: 6 }, () => randomBytes(2 * 1024 * 1024));
    const path = join(root, key);
    // Every observation of the key during the writes is "absent" or a complete candidate.
    let writing = true;
    const observed: Array<number | 'absent'> = [];
    const watcher = (async () => {
      while (writing) {
        try {
          observed.push((await stat(path)).size);
        } catch {
          observed.push('absent');
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const results = await Promise.allSettled(candidates.map((bytes) => store.put(key, bytes)));
    writing = false;
    await watcher;

    const winners = results.filter((r) => r.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ArtifactConflictError);
    const winner = (winners[0] as PromiseFulfilledResult<{ sha256: string; uri: string }>).value;
    const onDisk = readFileSync(path);
    expect(sha256Hex(onDisk)).toBe(winner.sha256);
    expect(candidates.some((c) => c.equals(onDisk))).toBe(true);
    expect(observed.every((o) => o === 'absent' || o === 2 * 1024 * 1024)).toBe(true);
    expect(tempFiles()).toEqual([]);
  });

  it('never exposes a partial write: a crashed writer leaves only a temp file, a failed publish leaves nothing', async () => {
    // A writer that died mid-write left its part file behind.
    mkdirSync(join(root, '.tmp'), { recursive: true });
    writeFileSync(join(root, '.tmp', 'crashed-writer.part'), Buffer.from('half a mod'));
    const key = newKey();
    expect(await store.exists(store.uriFor(key))).toBe(false);
    const stored = await store.put(key, Buffer.from('half a model, then the rest'));
    expect(Buffer.from(await store.get(stored.uri, stored.sha256)).toString()).toBe('half a model, then the rest');
    rmSync(join(root, '.tmp', 'crashed-writer.part'));

    // Publishing onto a key that is a folder fails after the temp file was written: nothing remains of it.
    await store.put('reports/weekly/index.json', Buffer.from('{}'));
    await expect(store.put('reports/weekly', Buffer.from('x'))).rejects.toBeInstanceOf(ArtifactStoreError);
    expect(statSync(join(root, 'reports', 'weekly')).isDirectory()).toBe(true);
    expect(await store.exists(store.uriFor('reports/weekly'))).toBe(false);
    expect(tempFiles()).toEqual([]);
  });

  it('refuses keys that are not portable relative paths, and URIs that are not its own', async () => {
    for (const key of ['', '/abs/model.onnx', '../escape.onnx', 'a/../b', 'a//b', 'a/', '.tmp/x', 'models/.hidden', 'with space', 'back\\slash', 'x'.repeat(513)]) {
      expect(() => assertArtifactKey(key)).toThrow(ArtifactStoreError);
      await expect(store.put(key, Buffer.from('x'))).rejects.toMatchObject({ code: 'ARTIFACT.INVALID_KEY' });
    }
    const sha = sha256Hex(Buffer.from('x'));
    for (const uri of ['s3://bucket/models/a.onnx', 'https://example.com/a.onnx', 'not a uri', `file://${join(dir, 'elsewhere.onnx')}`, store.uriFor('a').replace(/\/a$/, ''), `${store.uriFor('x')}/../../outside.onnx`]) {
      await expect(store.get(uri, sha)).rejects.toMatchObject({ code: 'ARTIFACT.FOREIGN_URI' });
      await expect(store.exists(uri)).rejects.toMatchObject({ code: 'ARTIFACT.FOREIGN_URI' });
      await expect(store.delete(uri)).rejects.toMatchObject({ code: 'ARTIFACT.FOREIGN_URI' });
    }
    await expect(store.get(store.uriFor('a.onnx'), 'not-a-sha')).rejects.toBeInstanceOf(TypeError);
  });

  it('names model artifacts by content', () => {
    const sha = sha256Hex(Buffer.from('onnx'));
    expect(modelArtifactKey('signal-BTCUSDT-PERP', sha.toUpperCase())).toBe(`models/signal-BTCUSDT-PERP/${sha}.onnx`);
    expect(() => modelArtifactKey('../x', sha)).toThrow(ArtifactStoreError);
  });
});
