import { randomBytes } from 'node:crypto';
import type { JsonObject } from '@lib/model';
import {
  ArtifactBackendError,
  ArtifactConflictError,
  ArtifactIntegrityError,
  ArtifactNotFoundError,
  ArtifactStoreError,
  createArtifactStore,
  decodeModel,
  exportTreeEnsembleToOnnx,
  InMemoryModelRegistryStore,
  ModelRegistry,
  modelArtifactKey,
  randomTreeEnsemble,
  RoutingArtifactStore,
  S3ArtifactStore,
  sha256Hex,
  type ArtifactStore,
} from '@lib/ml';
import type { OperationObserver } from '@lib/kernel';
import { FakeS3 } from '../support/fake-s3.js';

const BUCKET = 'tm-artifacts';
const REGION = 'eu-central-1';

/** A real ONNX TreeEnsembleRegressor, as the trainer exports it. */
function onnxModel(name: string): Uint8Array {
  const featureNames = ['ret_1', 'ret_6', 'vol_20', 'rsi_14'];
  const model = randomTreeEnsemble({ seed: 7, nTrees: 20, depth: 4, featureNames, kind: 'gbdt' });
  return exportTreeEnsembleToOnnx(model, { modelName: name, version: '1', featureNames, selectedFeatures: featureNames });
}

describe('S3ArtifactStore against an S3 that checks SigV4 signatures', () => {
  let s3: FakeS3;
  const stores: S3ArtifactStore[] = [];
  const observations: { operation: string; error: unknown }[] = [];
  const observer: OperationObserver = { observe: (operation, _seconds, error) => observations.push({ operation, error }) };

  const storeWith = (overrides: Partial<ConstructorParameters<typeof S3ArtifactStore>[0]> = {}): S3ArtifactStore => {
    const store = new S3ArtifactStore({
      bucket: BUCKET,
      prefix: 'trade-matrix/',
      endpoint: s3.endpoint,
      region: REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      observer,
      ...overrides,
    });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    s3 = await new FakeS3({ region: REGION, buckets: [BUCKET] }).start();
  });
  afterAll(async () => {
    for (const store of stores) store.destroy();
    await s3.close();
  });
  beforeEach(() => {
    s3.failNext(0);
    observations.length = 0;
  });

  it('round-trips an ONNX model byte for byte, verified, under its prefix', async () => {
    const store = storeWith();
    const bytes = onnxModel('signal-BTCUSDT-PERP');
    const sha = sha256Hex(bytes);
    const key = modelArtifactKey('signal-BTCUSDT-PERP', sha);

    const stored = await store.put(key, bytes);
    expect(stored).toEqual({ uri: `s3://${BUCKET}/trade-matrix/${key}`, sha256: sha, size: bytes.byteLength });
    const object = s3.object(BUCKET, `trade-matrix/${key}`)!;
    expect(object.body.equals(Buffer.from(bytes))).toBe(true);
    // The checksum travels with the object: the store verified it on upload and keeps it as metadata.
    expect(object.checksumSha256).toBe(Buffer.from(sha, 'hex').toString('base64'));
    expect(object.metadata.sha256).toBe(sha);
    // Over plain HTTP the SDK signs the payload itself; the fake recomputed and compared that hash.
    const putRequest = s3.requests.find((r) => r.method === 'PUT' && r.path.endsWith(key))!;
    expect(putRequest.headers['x-amz-content-sha256']).toBe(sha);
    expect(putRequest.headers['if-none-match']).toBe('*');

    expect(await store.exists(stored.uri)).toBe(true);
    const read = await store.get(stored.uri, sha.toUpperCase());
    expect(Buffer.from(read).equals(Buffer.from(bytes))).toBe(true);
    expect(decodeModel(read).graph?.node?.[0]?.opType).toBe('TreeEnsembleRegressor');
    expect(observations.map((o) => o.operation)).toEqual(['artifacts.put', 'artifacts.exists', 'artifacts.get']);
    expect(observations.every((o) => o.error === undefined)).toBe(true);
  });

  it('is write-once: same bytes again is a no-op, different bytes are a conflict that changes nothing', async () => {
    const store = storeWith();
    const bytes = randomBytes(10_000);
    const key = 'datasets/write-once.bin';
    const first = await store.put(key, bytes);
    const puts = () => s3.requests.filter((r) => r.method === 'PUT').length;
    const putsBefore = puts();

    expect(await store.put(key, Buffer.from(bytes))).toEqual(first);
    // The second write really was sent conditionally and refused by the store (not skipped client-side).
    expect(s3.requests.filter((r) => r.method === 'PUT').slice(-1)[0]).toMatchObject({ status: 412 });
    expect(puts()).toBe(putsBefore + 1);

    const other = randomBytes(10_000);
    const error = await store.put(key, other).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactConflictError);
    expect(error).toMatchObject({ code: 'ARTIFACT.CONFLICT', uri: first.uri, storedSha256: first.sha256, attemptedSha256: sha256Hex(other) });
    expect(s3.object(BUCKET, `trade-matrix/${key}`)!.body.equals(bytes)).toBe(true);
    expect(observations.at(-1)).toMatchObject({ operation: 'artifacts.put', error });
  });

  it('refuses bytes that no longer match the registered checksum', async () => {
    const store = storeWith();
    const bytes = randomBytes(4096);
    const stored = await store.put('models/tamper/v1.onnx', bytes);
    s3.corrupt(BUCKET, 'trade-matrix/models/tamper/v1.onnx');

    const error = await store.get(stored.uri, stored.sha256).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactIntegrityError);
    expect(error).toMatchObject({ code: 'ARTIFACT.INTEGRITY', uri: stored.uri, expectedSha256: stored.sha256, size: 4096 });
    expect((error as ArtifactIntegrityError).actualSha256).not.toBe(stored.sha256);

    // Truncated is refused too; the right bytes with the wrong expectation as well.
    s3.corrupt(BUCKET, 'trade-matrix/models/tamper/v1.onnx', () => bytes.subarray(0, 100));
    await expect(store.get(stored.uri, stored.sha256)).rejects.toBeInstanceOf(ArtifactIntegrityError);
    s3.corrupt(BUCKET, 'trade-matrix/models/tamper/v1.onnx', () => Buffer.from(bytes));
    expect(Buffer.from(await store.get(stored.uri, stored.sha256)).equals(bytes)).toBe(true);
    await expect(store.get(stored.uri, sha256Hex(Buffer.from('other')))).rejects.toBeInstanceOf(ArtifactIntegrityError);
  });

  it('reports a missing artifact; delete is idempotent; foreign URIs are refused', async () => {
    const store = storeWith();
    const stored = await store.put('reports/r1.json', Buffer.from('{"ok":true}'));
    await store.delete(stored.uri);
    expect(await store.exists(stored.uri)).toBe(false);
    const missing = await store.get(stored.uri, stored.sha256).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ArtifactNotFoundError);
    expect(missing).toMatchObject({ code: 'ARTIFACT.NOT_FOUND', uri: stored.uri });
    await expect(store.delete(stored.uri)).resolves.toBeUndefined();

    for (const uri of ['s3://other-bucket/trade-matrix/reports/r1.json', 's3://tm-artifacts/elsewhere/r1.json', 's3://tm-artifacts/trade-matrix/../x', 'file:///tmp/x', 'nonsense']) {
      const error = await store.get(uri, stored.sha256).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ArtifactStoreError);
      expect(error).toMatchObject({ code: 'ARTIFACT.FOREIGN_URI' });
    }
    await expect(store.put('../escape', Buffer.from('x'))).rejects.toMatchObject({ code: 'ARTIFACT.INVALID_KEY' });
  });

  it('fails wrong credentials with a coded error that holds no secret', async () => {
    const secret = `wrong-${randomBytes(16).toString('hex')}`;
    const store = storeWith({ credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: secret } });
    const error = await store.put('models/denied/v1.onnx', Buffer.from('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactBackendError);
    expect(error).toMatchObject({ code: 'ARTIFACT.ACCESS_DENIED', operation: 'put', s3Code: 'SignatureDoesNotMatch', httpStatus: 403, retryable: false });
    expect(s3.object(BUCKET, 'trade-matrix/models/denied/v1.onnx')).toBeUndefined();
    const everything = `${(error as Error).message} ${(error as Error).stack} ${JSON.stringify(error)} ${String((error as Error).cause)}`;
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(s3.secretAccessKey);

    const unknownKey = storeWith({ credentials: { accessKeyId: 'AKIANOBODY', secretAccessKey: s3.secretAccessKey } });
    await expect(unknownKey.exists(`s3://${BUCKET}/trade-matrix/models/x.onnx`)).rejects.toMatchObject({ code: 'ARTIFACT.ACCESS_DENIED', operation: 'exists', httpStatus: 403 });
    await expect(unknownKey.get(`s3://${BUCKET}/trade-matrix/models/x.onnx`, sha256Hex(Buffer.from('x')))).rejects.toMatchObject({
      code: 'ARTIFACT.ACCESS_DENIED',
      s3Code: 'InvalidAccessKeyId',
    });
  });

  it('retries a transient 503, and turns a persistent one into a coded, retryable error', async () => {
    const store = storeWith({ maxAttempts: 3 });
    const bytes = randomBytes(1000);
    s3.failNext(1, 503);
    const stored = await store.put('models/flaky/v1.onnx', bytes);
    expect(Buffer.from(await store.get(stored.uri, stored.sha256)).equals(bytes)).toBe(true);

    s3.failNext(3, 503);
    const error = await store.get(stored.uri, stored.sha256).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactBackendError);
    expect(error).toMatchObject({ code: 'ARTIFACT.UNAVAILABLE', operation: 'get', uri: stored.uri, httpStatus: 503, s3Code: 'SlowDown', retryable: true });
    expect(observations.at(-1)).toMatchObject({ operation: 'artifacts.get', error });

    s3.failNext(3, 500);
    await expect(store.delete(stored.uri)).rejects.toMatchObject({ code: 'ARTIFACT.UNAVAILABLE', operation: 'delete', httpStatus: 500 });
    expect(await store.exists(stored.uri)).toBe(true);
  });

  it('reports an unreachable store and a missing bucket as coded errors', async () => {
    const down = new FakeS3({ region: REGION });
    await down.start();
    const endpoint = down.endpoint;
    await down.close();
    const unreachable = storeWith({ endpoint, maxAttempts: 1 });
    await expect(unreachable.put('models/x/v1.onnx', Buffer.from('x'))).rejects.toMatchObject({ code: 'ARTIFACT.UNAVAILABLE', operation: 'put', httpStatus: null, retryable: true });

    const noBucket = storeWith({ bucket: 'no-such-bucket' });
    await expect(noBucket.put('models/x/v1.onnx', Buffer.from('x'))).rejects.toMatchObject({ code: 'ARTIFACT.BACKEND', s3Code: 'NoSuchBucket', httpStatus: 404 });
  });

  it('is what createArtifactStore builds for kind s3, with credentials from the environment only', async () => {
    const config = {
      kind: 's3' as const,
      dir: 'unused',
      s3: { endpoint: s3.endpoint, region: REGION, bucket: BUCKET, prefix: 'factory', forcePathStyle: true },
    };
    const env = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const store = createArtifactStore(config, env, observer);
    expect(store).toBeInstanceOf(RoutingArtifactStore);
    expect((store as RoutingArtifactStore).primary).toBeInstanceOf(S3ArtifactStore);
    stores.push((store as RoutingArtifactStore).primary as S3ArtifactStore);
    const stored = await store.put('models/f/v1.onnx', Buffer.from('factory'));
    expect(stored.uri).toBe(`s3://${BUCKET}/factory/models/f/v1.onnx`);
    expect(observations.map((o) => o.operation)).toEqual(['artifacts.put']);

    const wrong = createArtifactStore(config, { ...env, AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    stores.push((wrong as RoutingArtifactStore).primary as S3ArtifactStore);
    await expect(wrong.get(stored.uri, stored.sha256)).rejects.toMatchObject({ code: 'ARTIFACT.ACCESS_DENIED' });
  });

  it('lets the model registry register a model stored in S3 and serve it back from Production', async () => {
    const store: ArtifactStore = storeWith();
    const registry = new ModelRegistry(new InMemoryModelRegistryStore(), { now: () => 1_700_000_000_000 });
    const name = 'signal-ETHUSDT-PERP';
    const bytes = onnxModel(name);
    const artifact = await store.put(modelArtifactKey(name, sha256Hex(bytes)), bytes);
    const params: JsonObject = { nTrees: 20, depth: 4 };
    const registered = await registry.register({
      name,
      kind: 'gbdt',
      params,
      metrics: { ic: 0.05, sharpe: 0.9 },
      dataRange: { fromMs: 1_600_000_000_000, toMs: 1_690_000_000_000 },
      features: ['ret_1', 'ret_6', 'vol_20', 'rsi_14'],
      artifact,
      gates: { promotable: true, reasons: ['walk-forward IC 0.05 >= 0.03'] },
    });
    await registry.moveToStaging(name, registered.version);
    await registry.promote(name, registered.version);

    const production = await registry.production(name);
    expect(production?.artifact).toEqual(artifact);
    const served = await store.get(production!.artifact.uri, production!.artifact.sha256);
    expect(Buffer.from(served).equals(Buffer.from(bytes))).toBe(true);
    expect(decodeModel(served).graph?.node?.[0]?.opType).toBe('TreeEnsembleRegressor');

    // A model replaced in the bucket after registration is never served.
    s3.corrupt(BUCKET, artifact.uri.slice(`s3://${BUCKET}/`.length), () => Buffer.from(onnxModel('impostor')));
    await expect(store.get(production!.artifact.uri, production!.artifact.sha256)).rejects.toBeInstanceOf(ArtifactIntegrityError);
  });
});
