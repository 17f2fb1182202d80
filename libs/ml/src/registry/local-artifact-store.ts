import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

/** Partial writes live here until published; same filesystem as the artifacts, so publishing is atomic. */
const TEMP_DIR = '.tmp';

/**
 * Artifacts as files under `rootDir`, one per key (`<rootDir>/<key>`), addressed by `file://` URLs.
 *
 * A write goes to `<rootDir>/.tmp/<uuid>.part`, is fsynced, then published under its key with a
 * hard link: like rename(2) it is atomic (a reader sees no file or the whole file, never a part),
 * and unlike rename it refuses to replace an existing file, which makes `put` write-once even
 * between processes. A crash leaves at most a stale `.part` file in `.tmp`, never a partial artifact.
 * On a filesystem without hard links it falls back to rename (still atomic, no longer no-clobber
 * against a concurrent writer of the same key).
 */
export class LocalArtifactStore implements ArtifactStore {
  readonly rootDir: string;

  constructor(rootDir: string) {
    this.rootDir = resolve(rootDir);
  }

  /** The URI an artifact stored under `key` has (whether or not it exists). */
  uriFor(key: string): string {
    assertArtifactKey(key);
    return pathToFileURL(join(this.rootDir, ...key.split('/'))).href;
  }

  async put(key: string, bytes: Uint8Array): Promise<StoredArtifact> {
    const uri = this.uriFor(key);
    const target = fileURLToPath(uri);
    const stored: StoredArtifact = { uri, sha256: sha256Hex(bytes), size: bytes.byteLength };
    const tempDir = join(this.rootDir, TEMP_DIR);
    await mkdir(tempDir, { recursive: true });
    await mkdir(dirname(target), { recursive: true });
    const temp = join(tempDir, `${randomUUID()}.part`);
    try {
      const file = await open(temp, 'wx');
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await this.publish(temp, target, stored);
      await syncDirectory(dirname(target));
      return stored;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  async get(uri: string, expectedSha256: string): Promise<Uint8Array> {
    const expected = normalizeSha256(expectedSha256);
    const path = this.pathOf(uri);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      if (isMissing(err)) throw new ArtifactNotFoundError(uri, { cause: err });
      throw err;
    }
    const actual = sha256Hex(bytes);
    if (actual !== expected) throw new ArtifactIntegrityError(uri, expected, actual, bytes.byteLength);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async exists(uri: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(uri))).isFile();
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async delete(uri: string): Promise<void> {
    const path = this.pathOf(uri);
    try {
      if ((await stat(path)).isFile()) await rm(path, { force: true });
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  private async publish(temp: string, target: string, stored: StoredArtifact): Promise<void> {
    try {
      await link(temp, target);
      return;
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EEXIST') return this.acceptExisting(target, stored);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw err;
    }
    // No hard links here: check, then rename (atomic content; the no-clobber check is best effort).
    if (await fileExists(target)) return this.acceptExisting(target, stored);
    await rename(temp, target);
  }

  /** The key is taken: fine when it holds these very bytes (an idempotent retry), a conflict otherwise. */
  private async acceptExisting(target: string, stored: StoredArtifact): Promise<void> {
    let existing: Buffer;
    try {
      existing = await readFile(target);
    } catch (err) {
      throw new ArtifactStoreError('ARTIFACT.CONFLICT', `artifact ${stored.uri} exists but cannot be read: ${(err as Error).message}`, { cause: err });
    }
    const existingSha = sha256Hex(existing);
    if (existingSha !== stored.sha256) throw new ArtifactConflictError(stored.uri, existingSha, stored.sha256);
  }

  /** The file behind a URI of this store; anything else (another root, another scheme) is refused. */
  private pathOf(uri: string): string {
    let path: string;
    try {
      path = fileURLToPath(uri);
    } catch (err) {
      throw new ArtifactStoreError('ARTIFACT.FOREIGN_URI', `${JSON.stringify(uri)} is not a file:// URI of the local artifact store at ${this.rootDir}`, { cause: err });
    }
    const rel = relative(this.rootDir, path);
    const key = rel.split(sep).join('/');
    if (rel === '' || isAbsolute(rel) || rel.startsWith('..')) {
      throw new ArtifactStoreError('ARTIFACT.FOREIGN_URI', `${uri} is outside the local artifact store at ${this.rootDir}`);
    }
    try {
      assertArtifactKey(key);
    } catch (err) {
      throw new ArtifactStoreError('ARTIFACT.FOREIGN_URI', `${uri} does not name an artifact of ${this.rootDir}`, { cause: err });
    }
    return path;
  }
}

function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isMissing(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

/** Makes the new directory entry durable (best effort: not every platform can fsync a directory). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The data itself was fsynced before publishing; only the entry's durability is at stake.
  }
}
