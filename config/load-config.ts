import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULTS } from './defaults.js';
import { TraderConfigSchema, type TraderConfig } from './config.schema.js';

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_DATABASE_URL = 'sqlite:var/trade-matrix.sqlite';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

function merge<T>(base: T, patch: DeepPartial<T> | undefined): T {
  if (patch === undefined) return base;
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return patch as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === undefined) continue;
    out[k] = k in out ? merge(out[k], v as DeepPartial<unknown>) : v;
  }
  return out as T;
}

/** config/ next to this file, whether running from sources or from dist/. */
function configDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(`${join('dist', 'config')}`) ? join(here, '..', '..', 'config') : here;
}

export function defaultInstrumentSpecs(): unknown {
  return JSON.parse(readFileSync(join(configDir(), 'instruments.json'), 'utf8'));
}

/**
 * Typed, validated configuration: defaults ← optional JSON file (TM_CONFIG) ← environment ←
 * explicit overrides. A bad value stops start-up with its key and the reason.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: DeepPartial<TraderConfig> = {}): TraderConfig {
  let fromFile: DeepPartial<TraderConfig> = {};
  if (env.TM_CONFIG) {
    try {
      fromFile = JSON.parse(readFileSync(env.TM_CONFIG, 'utf8')) as DeepPartial<TraderConfig>;
    } catch (err) {
      throw new ConfigError([`TM_CONFIG (${env.TM_CONFIG}): ${(err as Error).message}`]);
    }
  }
  const fromEnv: DeepPartial<TraderConfig> = {
    databaseUrl: env.DATABASE_URL,
    apiKey: env.TRADER_API_KEY,
    apiKeys: env.TRADER_API_KEYS !== undefined ? parseApiKeys(env.TRADER_API_KEYS) : undefined,
    http: { port: numberOf(env.TRADER_PORT), host: env.TRADER_HOST },
    redis: { url: env.REDIS_URL },
    artifacts: {
      kind: env.TM_ARTIFACT_STORE as 'local' | 's3' | undefined,
      dir: env.TM_ARTIFACT_DIR,
      s3: { endpoint: env.TM_S3_ENDPOINT, region: env.TM_S3_REGION ?? env.AWS_REGION, bucket: env.TM_S3_BUCKET, prefix: env.TM_S3_PREFIX, forcePathStyle: booleanOf(env.TM_S3_FORCE_PATH_STYLE) },
    },
    logging: { level: env.LOG_LEVEL as TraderConfig['logging']['level'] | undefined, service: env.TM_SERVICE_NAME },
    shutdown: { graceMs: numberOf(env.TRADER_SHUTDOWN_GRACE_MS) },
  };
  const base = { ...DEFAULTS, instruments: defaultInstrumentSpecs(), databaseUrl: DEFAULT_DATABASE_URL, apiKey: null, apiKeys: [] } as TraderConfig;
  const candidate = merge(merge(merge(base, fromFile), fromEnv), overrides);
  const parsed = TraderConfigSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  if (parsed.data.strategy.fastEma >= parsed.data.strategy.slowEma) {
    throw new ConfigError(['strategy.fastEma: must be smaller than strategy.slowEma']);
  }
  return parsed.data;
}

function numberOf(value: string | undefined): number | undefined {
  return value === undefined || value === '' ? undefined : Number(value);
}

function booleanOf(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return value === 'true' || value === '1';
}

/** `name:role:key` entries separated by commas; malformed entries are kept whole so validation names them. */
export function parseApiKeys(value: string): { name: string; role: 'read' | 'operate'; key: string }[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const [name = '', role = '', ...rest] = entry.split(':');
      return { name, role: role as 'read' | 'operate', key: rest.join(':') };
    });
}

/** The configuration with secrets masked, safe to log or store in an event. */
export function redactConfig(config: TraderConfig): TraderConfig {
  return {
    ...config,
    apiKey: config.apiKey ? '***' : null,
    apiKeys: config.apiKeys.map((k) => ({ ...k, key: '***' })),
    databaseUrl: redactUrl(config.databaseUrl),
    redis: { ...config.redis, url: config.redis.url === null ? null : redactUrl(config.redis.url) },
  };
}

/** A connection URL with its password masked (`redis://:secret@host` and `postgres://u:secret@host`). */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]+)@/, '//$1:***@');
}
