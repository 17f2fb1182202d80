import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NO_OP_OBSERVER, type OperationObserver } from '@lib/kernel';
import { createArtifactStore, ObservedArtifactStore, RoutingArtifactStore, type ArtifactStoreConfig } from './artifact-store.factory.js';
import { ArtifactNotFoundError } from './artifact-store.js';
import { LocalArtifactStore } from './local-artifact-store.js';
import { S3ArtifactStore } from './s3-artifact-store.js';

const s3 = { endpoint: 'http://127.0.0.1:1', region: 'us-east-1', bucket: 'tm-bucket', prefix: 'p', forcePathStyle: true };

describe('createArtifactStore', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'tm-factory-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the local store for kind local, resolving a relative dir against the working directory', () => {
    const store = createArtifactStore({ kind: 'local', dir: 'var/artifacts', s3 }, {});
    expect(store).toBeInstanceOf(LocalArtifactStore);
    expect((store as LocalArtifactStore).rootDir).toBe(resolve('var/artifacts'));
    expect(createArtifactStore({ kind: 'local', dir, s3 }, {}, NO_OP_OBSERVER)).toBeInstanceOf(LocalArtifactStore);
  });

  it('reports every local operation, failures included, under the artifacts.* names', async () => {
    const seen: [string, boolean][] = [];
    const observer: OperationObserver = { observe: (op, seconds, error) => void (expect(seconds).toBeGreaterThanOrEqual(0), seen.push([op, error !== undefined])) };
    const store = createArtifactStore({ kind: 'local', dir, s3 }, {}, observer);
    expect(store).toBeInstanceOf(ObservedArtifactStore);
    const stored = await store.put('models/m/v1.onnx', Buffer.from('bytes'));
    expect(await store.exists(stored.uri)).toBe(true);
    expect(Buffer.from(await store.get(stored.uri, stored.sha256)).toString()).toBe('bytes');
    await store.delete(stored.uri);
    await expect(store.get(stored.uri, stored.sha256)).rejects.toBeInstanceOf(ArtifactNotFoundError);
    expect(seen).toEqual([
      ['artifacts.put', false],
      ['artifacts.exists', false],
      ['artifacts.get', false],
      ['artifacts.delete', false],
      ['artifacts.get', true],
    ]);
  });

  it('builds the S3 store for kind s3 from the s3 section, writing there and still reading file:// artifacts of dir', async () => {
    const config: ArtifactStoreConfig = { kind: 's3', dir, s3 };
    const store = createArtifactStore(config, { AWS_ACCESS_KEY_ID: 'AKIATEST', AWS_SECRET_ACCESS_KEY: 'secret-secret' });
    expect(store).toBeInstanceOf(RoutingArtifactStore);
    const routing = store as RoutingArtifactStore;
    expect(routing.primary).toBeInstanceOf(S3ArtifactStore);
    const bucket = routing.primary as S3ArtifactStore;
    expect(bucket.uriFor('models/m/v1.onnx')).toBe('s3://tm-bucket/p/models/m/v1.onnx');
    try {
      // A model delivered as a file (the model image) and registered with its file:// URI.
      const delivered = await new LocalArtifactStore(dir).put('models/m/v0.onnx', Buffer.from('from the image'));
      expect(Buffer.from(await store.get(delivered.uri, delivered.sha256)).toString()).toBe('from the image');
      expect(await store.exists(delivered.uri)).toBe(true);
      // s3:// URIs and every write go to the bucket (unreachable here: a coded backend error, not a local file).
      await expect(store.get('s3://tm-bucket/p/models/m/v1.onnx', delivered.sha256)).rejects.toMatchObject({ code: 'ARTIFACT.UNAVAILABLE' });
      await expect(store.put('models/m/v2.onnx', Buffer.from('new'))).rejects.toMatchObject({ code: 'ARTIFACT.UNAVAILABLE' });
      // A scheme no store reads.
      await expect(store.get('https://example.invalid/m.onnx', delivered.sha256)).rejects.toMatchObject({ code: 'ARTIFACT.FOREIGN_URI' });
    } finally {
      bucket.destroy();
    }
  }, 30_000);
});
