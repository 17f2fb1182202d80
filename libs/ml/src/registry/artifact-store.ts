import { createHash } from 'node:crypto';

/** Where a stored artifact lives and what it is: the registry keeps all three. */
export interface StoredArtifact {
  /** Opaque to callers: `file:///...` for the local store, `s3://bucket/key` for an object store. */
  readonly uri: string;
  /** Lowercase hex SHA-256 of the bytes. */
  readonly sha256: string;
  /** Bytes. */
  readonly size: number;
}

/**
 * Immutable blobs (ONNX models, datasets, reports) addressed by a key such as
 * `models/signal-BTCUSDT-PERP/<sha256>.onnx`. The shape is that of an object store so an S3
 * implementation fits without change:
 * - keys are `/`-separated relative paths (see `assertArtifactKey`), never absolute;
 * - `put` is write-once: putting the same bytes under a key again is a no-op that returns the
 *   same answer, different bytes under an existing key fail with ArtifactConflictError
 *   (S3: a conditional `If-None-Match: *` PUT);
 * - `get` never returns bytes whose SHA-256 differs from the one the caller expects
 *   (the registry stores it next to the uri), so corruption and tampering are detected on read.
 */
export interface ArtifactStore {
  put(key: string, bytes: Uint8Array): Promise<StoredArtifact>;
  /** @throws ArtifactNotFoundError when nothing is stored at `uri`; ArtifactIntegrityError on a checksum mismatch. */
  get(uri: string, expectedSha256: string): Promise<Uint8Array>;
  exists(uri: string): Promise<boolean>;
  /** Idempotent: deleting a missing artifact is not an error. */
  delete(uri: string): Promise<void>;
}

export type ArtifactErrorCode =
  | 'ARTIFACT.NOT_FOUND'
  | 'ARTIFACT.INTEGRITY'
  | 'ARTIFACT.CONFLICT'
  | 'ARTIFACT.INVALID_KEY'
  | 'ARTIFACT.FOREIGN_URI'
  | 'ARTIFACT.UNAVAILABLE'
  | 'ARTIFACT.ACCESS_DENIED'
  | 'ARTIFACT.BACKEND';

export class ArtifactStoreError extends Error {
  constructor(
    readonly code: ArtifactErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ArtifactStoreError';
  }
}

export class ArtifactNotFoundError extends ArtifactStoreError {
  constructor(
    readonly uri: string,
    options?: ErrorOptions,
  ) {
    super('ARTIFACT.NOT_FOUND', `artifact ${uri} does not exist`, options);
    this.name = 'ArtifactNotFoundError';
  }
}

/** The stored bytes are not the ones registered: corrupted, truncated or replaced. */
export class ArtifactIntegrityError extends ArtifactStoreError {
  constructor(
    readonly uri: string,
    readonly expectedSha256: string,
    readonly actualSha256: string,
    readonly size: number,
  ) {
    super('ARTIFACT.INTEGRITY', `artifact ${uri} failed its checksum: expected sha256 ${expectedSha256}, found ${actualSha256} (${size} bytes)`);
    this.name = 'ArtifactIntegrityError';
  }
}

/** Different bytes were put under a key that already holds an artifact (artifacts are write-once). */
export class ArtifactConflictError extends ArtifactStoreError {
  constructor(
    readonly uri: string,
    readonly storedSha256: string,
    readonly attemptedSha256: string,
  ) {
    super('ARTIFACT.CONFLICT', `artifact ${uri} already holds sha256 ${storedSha256}; refusing to replace it with ${attemptedSha256}`);
    this.name = 'ArtifactConflictError';
  }
}

const KEY_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const MAX_KEY_LENGTH = 512;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * A key is 1..512 characters of `/`-separated segments made of letters, digits, `.`, `_`, `-`,
 * none empty, none starting with `.` (no `..`, no hidden files, room for the store's own `.tmp`).
 * The same keys are valid S3 object keys and portable file paths.
 */
export function assertArtifactKey(key: string): void {
  const valid = typeof key === 'string' && key.length > 0 && key.length <= MAX_KEY_LENGTH && key.split('/').every((s) => KEY_SEGMENT.test(s));
  if (!valid) {
    throw new ArtifactStoreError('ARTIFACT.INVALID_KEY', `invalid artifact key ${JSON.stringify(key)}: expected '/'-separated segments of [A-Za-z0-9._-], none empty or starting with '.'`);
  }
}

/** Lowercase hex SHA-256. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Validates a hex SHA-256 (either case) and returns it in lowercase. */
export function normalizeSha256(sha256: string): string {
  const lower = typeof sha256 === 'string' ? sha256.toLowerCase() : '';
  if (!SHA256_HEX.test(lower)) throw new TypeError(`expected a hex SHA-256 (64 hex digits), got ${JSON.stringify(sha256)}`);
  return lower;
}

/** A content-addressed key for a model artifact: same bytes, same key, so re-registering is free. */
export function modelArtifactKey(modelName: string, sha256: string, extension = 'onnx'): string {
  const key = `models/${modelName}/${normalizeSha256(sha256)}.${extension}`;
  assertArtifactKey(key);
  return key;
}
