import { RedisAdapterError } from '../redis.errors.js';

/** The parts of a REDIS_URL both ioredis and the Nest REDIS transport take. */
export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly db: number;
  readonly tls: boolean;
}

/** `redis://[user][:password]@host[:port][/db]` (or `rediss://` for TLS) as connection options. */
export function parseRedisUrl(url: string): RedisEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    // The message must not echo the URL: it may hold the password.
    throw new RedisAdapterError('REDIS.BAD_URL', `REDIS_URL is not a valid URL (${redactRedisUrl(url)})`, { cause: err });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new RedisAdapterError('REDIS.BAD_URL', `REDIS_URL must start with redis:// or rediss:// (got ${parsed.protocol}//)`);
  }
  const dbText = parsed.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new RedisAdapterError('REDIS.BAD_URL', `REDIS_URL database must be a non-negative integer (got '${dbText}')`);
  const endpoint: RedisEndpoint = {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db,
    tls: parsed.protocol === 'rediss:',
    ...(parsed.username !== '' ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password !== '' ? { password: decodeURIComponent(parsed.password) } : {}),
  };
  return endpoint;
}

/** The URL with its password masked, for logs (`redis://:***@host:6379/0`). */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]+)@/, '//$1:***@');
}

/** Where and as whom to connect, as ioredis options (shared by the session connection and the signal client). */
export function connectionOptionsOf(endpoint: RedisEndpoint): { host: string; port: number; db: number; username?: string; password?: string; tls?: Record<string, never> } {
  return {
    host: endpoint.host,
    port: endpoint.port,
    db: endpoint.db,
    ...(endpoint.username !== undefined ? { username: endpoint.username } : {}),
    ...(endpoint.password !== undefined ? { password: endpoint.password } : {}),
    ...(endpoint.tls ? { tls: {} } : {}),
  };
}
