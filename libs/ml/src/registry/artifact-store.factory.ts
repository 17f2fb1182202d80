import { resolve } from 'node:path';
import { NO_OP_OBSERVER, observed, type OperationObserver } from '@lib/kernel';
import { ArtifactStoreError, type ArtifactStore, type StoredArtifact } from './artifact-store.js';
import { LocalArtifactStore } from './local-artifact-store.js';
import { S3ArtifactStore, type S3Credentials } from './s3-artifact-store.js';

/** The `artifacts` section of the trader/trainer configuration (config/config.schema.ts). */
export interface ArtifactStoreConfig {
  readonly kind: 'local' | 's3';
  readonly dir: string;
  readonly s3: {
    readonly endpoint: string | null;
    readonly region: string;
    readonly bucket: string;
    readonly prefix: string;
    readonly forcePathStyle: boolean;
  };
}

/**
 * The artifact store the configuration asks for, reporting every operation to `observer`
 * (`artifacts.put`, `artifacts.get`, `artifacts.exists`, `artifacts.delete`).
 *
 * S3 credentials are read from `env` only (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN), never from the configuration; without them the SDK's default chain applies
 * (web identity in Kubernetes, ECS task role, instance profile, ~/.aws).
 * A relative local `dir` is resolved against the working directory.
 */
export function createArtifactStore(config: ArtifactStoreConfig, env: NodeJS.ProcessEnv = process.env, observer: OperationObserver = NO_OP_OBSERVER): ArtifactStore {
  const local = new LocalArtifactStore(resolve(config.dir));
  const observedLocal = observer === NO_OP_OBSERVER ? local : new ObservedArtifactStore(local, observer);
  if (config.kind === 'local') return observedLocal;
  const credentials = credentialsFrom(env);
  const s3 = new S3ArtifactStore({
    bucket: config.s3.bucket,
    prefix: config.s3.prefix,
    endpoint: config.s3.endpoint,
    region: config.s3.region,
    forcePathStyle: config.s3.forcePathStyle,
    ...(credentials ? { credentials } : {}),
    observer,
  });
  // New artifacts go to the bucket; `file://` ones already in the registry (models delivered in the
  // model image, registered by a pipeline that trained into the same folder) stay readable.
  return new RoutingArtifactStore(s3, [observedLocal]);
}

/**
 * Writes to one store and reads each URI from the store it belongs to, by scheme (`s3://`,
 * `file://`): a registry may hold versions published to a bucket next to versions delivered as
 * files, and the trader serves both. A URI no store owns is ARTIFACT.FOREIGN_URI.
 */
export class RoutingArtifactStore implements ArtifactStore {
  constructor(
    readonly primary: ArtifactStore,
    readonly readers: readonly ArtifactStore[],
  ) {}

  put(key: string, bytes: Uint8Array): Promise<StoredArtifact> {
    return this.primary.put(key, bytes);
  }

  async get(uri: string, expectedSha256: string): Promise<Uint8Array> {
    return this.storeOf(uri).get(uri, expectedSha256);
  }

  async exists(uri: string): Promise<boolean> {
    return this.storeOf(uri).exists(uri);
  }

  async delete(uri: string): Promise<void> {
    return this.storeOf(uri).delete(uri);
  }

  private storeOf(uri: string): ArtifactStore {
    const scheme = schemeOf(uri);
    const kind = scheme === 's3' ? S3ArtifactStore : scheme === 'file' ? LocalArtifactStore : null;
    const store = kind === null ? undefined : [this.primary, ...this.readers].find((candidate) => unwrap(candidate) instanceof kind);
    if (store === undefined) throw new ArtifactStoreError('ARTIFACT.FOREIGN_URI', `${JSON.stringify(uri)}: no configured artifact store reads ${scheme ?? 'this kind of'} URIs`);
    return store;
  }
}

function schemeOf(uri: string): string | null {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(uri);
  return match ? match[1]!.toLowerCase() : null;
}

function unwrap(store: ArtifactStore): ArtifactStore {
  return store instanceof ObservedArtifactStore ? store.inner : store;
}

function credentialsFrom(env: NodeJS.ProcessEnv): S3Credentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return env.AWS_SESSION_TOKEN ? { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN } : { accessKeyId, secretAccessKey };
}

/** Reports a store's operations under the same names the S3 store uses, so dashboards need not care which one runs. */
export class ObservedArtifactStore implements ArtifactStore {
  constructor(
    readonly inner: ArtifactStore,
    private readonly observer: OperationObserver,
  ) {}

  put(key: string, bytes: Uint8Array): Promise<StoredArtifact> {
    return observed(this.observer, 'artifacts.put', () => this.inner.put(key, bytes));
  }

  get(uri: string, expectedSha256: string): Promise<Uint8Array> {
    return observed(this.observer, 'artifacts.get', () => this.inner.get(uri, expectedSha256));
  }

  exists(uri: string): Promise<boolean> {
    return observed(this.observer, 'artifacts.exists', () => this.inner.exists(uri));
  }

  delete(uri: string): Promise<void> {
    return observed(this.observer, 'artifacts.delete', () => this.inner.delete(uri));
  }
}
