import { ArtifactStoreError, sha256Hex } from './artifact-store.js';
import { ArtifactBackendError, S3ArtifactStore } from './s3-artifact-store.js';

// No server listens on port 1: anything that reaches the network fails with ARTIFACT.UNAVAILABLE,
// so an ARTIFACT.FOREIGN_URI / INVALID_KEY answer proves the store refused before sending anything.
const options = { bucket: 'tm-bucket', endpoint: 'http://127.0.0.1:1', region: 'us-east-1', forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'not-a-real-secret-0123456789' } };

describe('S3ArtifactStore (no network)', () => {
  const stores: S3ArtifactStore[] = [];
  const make = (prefix?: string) => {
    const store = new S3ArtifactStore({ ...options, ...(prefix === undefined ? {} : { prefix }) });
    stores.push(store);
    return store;
  };
  afterAll(() => stores.forEach((s) => s.destroy()));

  it('addresses artifacts as s3://bucket/prefix/key, whatever slashes the prefix was given with', () => {
    expect(make().uriFor('models/m/a.onnx')).toBe('s3://tm-bucket/models/m/a.onnx');
    for (const prefix of ['tm/prod', '/tm/prod/', 'tm/prod/']) expect(make(prefix).uriFor('models/m/a.onnx')).toBe('s3://tm-bucket/tm/prod/models/m/a.onnx');
  });

  it('refuses an invalid prefix or key', () => {
    expect(() => make('tm/../x')).toThrow(expect.objectContaining({ code: 'ARTIFACT.INVALID_KEY' }));
    expect(() => make('tm//x')).toThrow(expect.objectContaining({ code: 'ARTIFACT.INVALID_KEY' }));
    expect(() => make().uriFor('/abs')).toThrow(expect.objectContaining({ code: 'ARTIFACT.INVALID_KEY' }));
  });

  it.each([
    ['another bucket', 's3://other/tm/models/a.onnx'],
    ['outside the prefix', 's3://tm-bucket/other/models/a.onnx'],
    ['the prefix itself', 's3://tm-bucket/tm/'],
    ['a dot segment', 's3://tm-bucket/tm/models/../a.onnx'],
    ['another scheme', 'file:///tm/models/a.onnx'],
    ['no key', 's3://tm-bucket'],
  ])('refuses a URI of %s before any request', async (_label, uri) => {
    const store = make('tm');
    const sha = sha256Hex(Buffer.from('x'));
    for (const attempt of [store.get(uri, sha), store.exists(uri), store.delete(uri)]) {
      const error = await attempt.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ArtifactStoreError);
      expect(error).toMatchObject({ code: 'ARTIFACT.FOREIGN_URI' });
    }
  });

  it('turns an unreachable endpoint into ARTIFACT.UNAVAILABLE without credentials in the error', async () => {
    const error = await make('tm').exists('s3://tm-bucket/tm/models/a.onnx').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactBackendError);
    expect(error).toMatchObject({ code: 'ARTIFACT.UNAVAILABLE', operation: 'exists', retryable: true, httpStatus: null });
    expect(`${(error as Error).message} ${JSON.stringify(error)} ${String((error as Error).cause)}`).not.toContain(options.credentials.secretAccessKey);
  });
});
