import { Logger } from '@nestjs/common';
import type { RedisConnection } from '../connection/redis-connection.js';

/** Which feature vector: one instrument, one bar (close time), one feature-set version. */
export interface FeatureKey {
  readonly instrumentId: string;
  readonly tsEvent: number;
  /** Feature-set version (e.g. the pipeline's hash or a schema number): a new version never reads old vectors. */
  readonly version: string;
}

/**
 * A read-through cache of computed feature vectors. A miss, a down Redis or a corrupt entry all
 * return null (the caller computes); nothing here throws into the strategy.
 */
export interface FeatureCache {
  get(key: FeatureKey): Promise<Float64Array | null>;
  set(key: FeatureKey, features: Float64Array | readonly number[]): Promise<void>;
}

export const FEATURE_CACHE = Symbol('FEATURE_CACHE');

/** The cache of the embedded default (no Redis): always a miss. */
export const NO_FEATURE_CACHE: FeatureCache = {
  get: async () => null,
  set: async () => undefined,
};

export interface RedisFeatureCacheOptions {
  readonly keyPrefix: string;
  readonly ttlSeconds: number;
}

/**
 * Feature vectors as raw little-endian float64 bytes under `${keyPrefix}feat:${version}:${instrumentId}:${tsEvent}`,
 * expiring after `ttlSeconds`. Binary keeps every bit of the doubles (JSON would round-trip them too, at
 * 2-3x the size and parse cost). While the link is down no command is sent at all.
 */
export class RedisFeatureCache implements FeatureCache {
  private readonly logger = new Logger(RedisFeatureCache.name);
  private errors = 0;

  constructor(
    private readonly connection: RedisConnection,
    private readonly options: RedisFeatureCacheOptions,
  ) {}

  keyOf(key: FeatureKey): string {
    return `${this.options.keyPrefix}feat:${key.version}:${key.instrumentId}:${key.tsEvent}`;
  }

  /** Failed gets and sets since start (each already reported to the OperationObserver). */
  get failures(): number {
    return this.errors;
  }

  async get(key: FeatureKey): Promise<Float64Array | null> {
    if (!this.connection.isUp) return null;
    try {
      const bytes = await this.connection.client.getBuffer(this.keyOf(key));
      if (bytes === null) return null;
      if (bytes.length % 8 !== 0) {
        this.logger.warn(`ignoring a corrupt feature vector at ${this.keyOf(key)} (${bytes.length} bytes)`);
        return null;
      }
      // Copy into a fresh, aligned buffer: a Buffer's offset in its pool need not be a multiple of 8.
      const out = new Float64Array(bytes.length / 8);
      new Uint8Array(out.buffer).set(bytes);
      return out;
    } catch (err) {
      this.failed('get', err);
      return null;
    }
  }

  async set(key: FeatureKey, features: Float64Array | readonly number[]): Promise<void> {
    if (!this.connection.isUp) return;
    const vector = features instanceof Float64Array ? features : Float64Array.from(features);
    try {
      await this.connection.client.set(this.keyOf(key), Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength), 'EX', this.options.ttlSeconds);
    } catch (err) {
      this.failed('set', err);
    }
  }

  private failed(op: string, err: unknown): void {
    // Logged once per hundred: a flapping Redis must not flood the log from the hot path.
    if (this.errors++ % 100 === 0) this.logger.warn(`feature cache ${op} failed (${this.errors} so far): ${(err as Error).message}`);
  }
}
