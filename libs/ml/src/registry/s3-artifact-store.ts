import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { NO_OP_OBSERVER, observed, type OperationObserver } from '@lib/kernel';
import {
  ArtifactConflictError,
  ArtifactIntegrityError,
  ArtifactNotFoundError,
  ArtifactStoreError,
  assertArtifactKey,
  normalizeSha256,
  sha256Hex,
  type ArtifactStore,
  type StoredArtifact,
} from './artifact-store.js';

/** Static credentials; leave them out to use the SDK's default chain (env, web identity, ECS, IMDS). */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface S3ArtifactStoreOptions {
  readonly bucket: string;
  /** `/`-separated key prefix inside the bucket (`''` for none); every artifact key is stored under it. */
  readonly prefix?: string;
  /** MinIO, Ceph, a fake: `http://host:port`; null/undefined for AWS itself. */
  readonly endpoint?: string | null;
  readonly region: string;
  /** MinIO and most self-hosted stores need `/bucket/key` URLs instead of `bucket.host/key`. */
  readonly forcePathStyle?: boolean;
  readonly credentials?: S3Credentials;
  /** Attempts per operation including the first (the SDK retries 5xx, throttling and network errors). Default 3. */
  readonly maxAttempts?: number;
  /** Per-request socket timeout (ms). Default 30 s. */
  readonly requestTimeoutMs?: number;
  readonly observer?: OperationObserver;
}

/** Why the object store itself failed, as opposed to the artifact (missing, corrupt, conflicting). */
export type ArtifactBackendErrorCode = 'ARTIFACT.UNAVAILABLE' | 'ARTIFACT.ACCESS_DENIED' | 'ARTIFACT.BACKEND';
export type ArtifactOperation = 'put' | 'get' | 'exists' | 'delete';

/**
 * The object store failed an operation: unreachable, 5xx or throttled after the SDK's retries
 * (`ARTIFACT.UNAVAILABLE`, retryable), credentials or permissions refused (`ARTIFACT.ACCESS_DENIED`),
 * or anything else it refused, such as a missing bucket (`ARTIFACT.BACKEND`).
 *
 * Carries S3's error name, status and request id, never the SDK error itself: that one holds the
 * signed request (access key id and signature), which must not reach logs.
 */
export class ArtifactBackendError extends ArtifactStoreError {
  constructor(
    code: ArtifactBackendErrorCode,
    readonly operation: ArtifactOperation,
    readonly uri: string,
    readonly s3Code: string | null,
    readonly httpStatus: number | null,
    readonly requestId: string | null,
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    const status = httpStatus === null ? '' : ` (HTTP ${httpStatus})`;
    super(code, `artifacts.${operation} ${uri} failed: ${s3Code ?? 'network error'}${status}`, options);
    this.name = 'ArtifactBackendError';
  }
}

/** The SHA-256 of the bytes as sent in `x-amz-meta-sha256`, for humans and tools browsing the bucket. */
const SHA256_METADATA = 'sha256';

/**
 * Artifacts as objects of one bucket, `s3://<bucket>/<prefix>/<key>`, on AWS S3 or a compatible
 * store (MinIO).
 *
 * - `put` is a conditional PUT (`If-None-Match: *`): the store itself refuses to replace an object,
 *   so two trainers racing on a key cannot overwrite each other. On 412 the stored bytes are read
 *   and hashed: the same bytes make the put an idempotent no-op, others an ArtifactConflictError.
 *   The object carries its SHA-256 (`x-amz-checksum-sha256`, checked by the store on upload, and
 *   `x-amz-meta-sha256`).
 * - `get` hashes what it downloaded and compares it with the checksum the caller registered, so a
 *   replaced or damaged object is refused whatever the store's own metadata says.
 * - Credentials come from the SDK's default chain unless given; they never appear in errors.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly observer: OperationObserver;

  constructor(options: S3ArtifactStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix ?? '');
    this.observer = options.observer ?? NO_OP_OBSERVER;
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: { requestTimeout: options.requestTimeoutMs ?? 30_000, connectionTimeout: 5_000 },
      // MinIO and other S3-compatible stores reject or ignore the CRC checksums the SDK adds by
      // default; send and check a checksum only where an operation requires one (we send our own SHA-256).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** The URI an artifact stored under `key` has (whether or not it exists). */
  uriFor(key: string): string {
    return `s3://${this.bucket}/${this.objectKey(key)}`;
  }

  put(key: string, bytes: Uint8Array): Promise<StoredArtifact> {
    return observed(this.observer, 'artifacts.put', async () => {
      const objectKey = this.objectKey(key);
      const uri = `s3://${this.bucket}/${objectKey}`;
      const stored: StoredArtifact = { uri, sha256: sha256Hex(bytes), size: bytes.byteLength };
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: objectKey,
            Body: bytes,
            ContentLength: bytes.byteLength,
            ContentType: 'application/octet-stream',
            IfNoneMatch: '*',
            ChecksumSHA256: createHash('sha256').update(bytes).digest('base64'),
            Metadata: { [SHA256_METADATA]: stored.sha256 },
          }),
        );
        return stored;
      } catch (err) {
        // 412: the key is taken. 409: a concurrent conditional write to it is still in flight;
        // once it lands the comparison below decides, and until then the object reads as missing.
        if (statusOf(err) !== 412 && statusOf(err) !== 409) throw backendError('put', uri, err);
      }
      const existing = await this.download(uri, objectKey, 'put').catch((err: unknown) => {
        if (err instanceof ArtifactNotFoundError) throw new ArtifactBackendError('ARTIFACT.UNAVAILABLE', 'put', uri, 'ConditionalRequestConflict', 409, null, true);
        throw err;
      });
      const existingSha = sha256Hex(existing);
      if (existingSha !== stored.sha256) throw new ArtifactConflictError(uri, existingSha, stored.sha256);
      return stored;
    });
  }

  get(uri: string, expectedSha256: string): Promise<Uint8Array> {
    return observed(this.observer, 'artifacts.get', async () => {
      const expected = normalizeSha256(expectedSha256);
      const bytes = await this.download(uri, this.keyOf(uri), 'get');
      const actual = sha256Hex(bytes);
      if (actual !== expected) throw new ArtifactIntegrityError(uri, expected, actual, bytes.byteLength);
      return bytes;
    });
  }

  exists(uri: string): Promise<boolean> {
    return observed(this.observer, 'artifacts.exists', async () => {
      const objectKey = this.keyOf(uri);
      try {
        await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
        return true;
      } catch (err) {
        if (isMissingObject(err)) return false;
        throw backendError('exists', uri, err);
      }
    });
  }

  delete(uri: string): Promise<void> {
    return observed(this.observer, 'artifacts.delete', async () => {
      const objectKey = this.keyOf(uri);
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      } catch (err) {
        if (isMissingObject(err)) return;
        throw backendError('delete', uri, err);
      }
    });
  }

  /** Closes the SDK's sockets. */
  destroy(): void {
    this.client.destroy();
  }

  private async download(uri: string, objectKey: string, operation: ArtifactOperation): Promise<Uint8Array> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      if (!response.Body) return new Uint8Array(0);
      return await response.Body.transformToByteArray();
    } catch (err) {
      if (isMissingObject(err)) throw new ArtifactNotFoundError(uri);
      throw backendError(operation, uri, err);
    }
  }

  private objectKey(key: string): string {
    assertArtifactKey(key);
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  /** The object key behind a URI of this store; another scheme, bucket or prefix is refused. */
  private keyOf(uri: string): string {
    const match = typeof uri === 'string' ? /^s3:\/\/([^/]+)\/(.+)$/.exec(uri) : null;
    if (!match || match[1] !== this.bucket) {
      throw new ArtifactStoreError('ARTIFACT.FOREIGN_URI', `${JSON.stringify(uri)} is not an s3:// URI of bucket ${this.bucket}`);
    }
    const objectKey = match[2]!;
    const key = this.prefix === '' ? objectKey : objectKey.startsWith(`${this.prefix}/`) ? objectKey.slice(this.prefix.length + 1) : null;
    if (key === null) throw new ArtifactStoreError('ARTIFACT.FOREIGN_URI', `${uri} is outside the prefix ${this.prefix}/ of bucket ${this.bucket}`);
    try {
      assertArtifactKey(key);
    } catch (err) {
      throw new ArtifactStoreError('ARTIFACT.FOREIGN_URI', `${uri} does not name an artifact of s3://${this.bucket}/${this.prefix}`, { cause: err });
    }
    return objectKey;
  }
}

/** `a/b/`, `/a/b` and `a/b` are one prefix; its segments follow the artifact key rules. */
function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  try {
    assertArtifactKey(trimmed);
  } catch (err) {
    throw new ArtifactStoreError('ARTIFACT.INVALID_KEY', `invalid S3 key prefix ${JSON.stringify(prefix)}: ${(err as Error).message}`, { cause: err });
  }
  return trimmed;
}

function statusOf(err: unknown): number | null {
  const status = (err as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : null;
}

function isMissingObject(err: unknown): boolean {
  if (!(err instanceof S3ServiceException)) return false;
  // GetObject answers NoSuchKey; HeadObject has no body, so the SDK names a bare 404 NotFound.
  return err.name === 'NoSuchKey' || err.name === 'NotFound' || (statusOf(err) === 404 && err.name !== 'NoSuchBucket');
}

const ACCESS_DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'RequestTimeTooSkewed', 'CredentialsProviderError']);
const THROTTLED = new Set(['SlowDown', 'ThrottlingException', 'RequestTimeout', 'ServiceUnavailable', 'InternalError']);

/** Maps an SDK or network failure to a coded error that is safe to log. */
function backendError(operation: ArtifactOperation, uri: string, err: unknown): ArtifactBackendError {
  if (err instanceof S3ServiceException) {
    const status = statusOf(err);
    const requestId = err.$metadata.requestId ?? null;
    const name = err.name;
    if (ACCESS_DENIED.has(name) || status === 401 || status === 403) return new ArtifactBackendError('ARTIFACT.ACCESS_DENIED', operation, uri, name, status, requestId, false);
    if (THROTTLED.has(name) || (status !== null && status >= 500) || status === 429) return new ArtifactBackendError('ARTIFACT.UNAVAILABLE', operation, uri, name, status, requestId, true);
    return new ArtifactBackendError('ARTIFACT.BACKEND', operation, uri, name, status, requestId, false);
  }
  const name = (err as { name?: unknown } | null)?.name;
  // No credentials anywhere in the default chain: a configuration problem, not an outage.
  if (name === 'CredentialsProviderError') return new ArtifactBackendError('ARTIFACT.ACCESS_DENIED', operation, uri, name, null, null, false);
  // Network errors (refused, reset, timeout) are Node system errors: host and port, no secrets.
  const cause = err instanceof Error ? new Error(`${err.name}: ${err.message}`) : undefined;
  const label = typeof (err as { code?: unknown } | null)?.code === 'string' ? (err as { code: string }).code : typeof name === 'string' ? name : null;
  return new ArtifactBackendError('ARTIFACT.UNAVAILABLE', operation, uri, label, null, null, true, cause ? { cause } : undefined);
}
