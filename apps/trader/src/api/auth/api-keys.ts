import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, SetMetadata } from '@nestjs/common';
import type { TraderConfig } from '@config';
import { TRADER_CONFIG } from '../../trader-config.token.js';

/** `read`: GET endpoints. `operate`: everything, mutating included. */
export type ApiRole = 'read' | 'operate';

export interface ApiPrincipal {
  readonly name: string;
  readonly role: ApiRole;
}

/** Name of the legacy TRADER_API_KEY in logs, rate-limit buckets and error messages. */
export const LEGACY_KEY_NAME = 'legacy';

export const ROLES_METADATA = 'tm:roles';
/** The role an endpoint needs; without it GET/HEAD need `read` and every other method `operate`. */
export const Roles = (role: ApiRole) => SetMetadata(ROLES_METADATA, role);

export const PUBLIC_METADATA = 'tm:public';
/** Probes and metrics: never behind keys, rate limits or the shutdown drain. */
export const Public = () => SetMetadata(PUBLIC_METADATA, true);

/** /metrics belongs to the Prometheus module's controller, which cannot carry @Public(): exempt by exact path. */
export const PUBLIC_PATH = /^\/metrics\/?(\?|$)/;

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * The configured API keys (TRADER_API_KEYS plus the legacy TRADER_API_KEY as an operate key),
 * kept only as SHA-256 digests. Matching compares fixed-length digests with timingSafeEqual and
 * visits every key, so neither the length nor the position of a key leaks through timing.
 */
@Injectable()
export class ApiKeyRing {
  private readonly keys: ReadonlyArray<{ principal: ApiPrincipal; digest: Buffer }>;

  constructor(@Inject(TRADER_CONFIG) config: TraderConfig) {
    const keys = config.apiKeys.map((k) => ({ principal: { name: k.name, role: k.role }, digest: digest(k.key) }));
    if (config.apiKey) keys.push({ principal: { name: LEGACY_KEY_NAME, role: 'operate' }, digest: digest(config.apiKey) });
    this.keys = keys;
  }

  /** False: local mode, GET endpoints are open and mutating ones disabled. */
  get configured(): boolean {
    return this.keys.length > 0;
  }

  match(presented: string): ApiPrincipal | null {
    const given = digest(presented);
    let found: ApiPrincipal | null = null;
    for (const key of this.keys) if (timingSafeEqual(given, key.digest) && found === null) found = key.principal;
    return found;
  }
}

type Headers = Record<string, string | string[] | undefined>;

/** The key from `x-api-key`, else from `Authorization: Bearer <key>`; null when neither is sent. */
export function presentedKey(headers: Headers): string | null {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const header = first(headers['x-api-key'])?.trim();
  if (header) return header;
  const auth = first(headers.authorization)?.trim();
  const bearer = auth && /^Bearer\s+(\S+)$/i.exec(auth);
  return bearer ? bearer[1]! : null;
}

export function requiredRole(method: string, declared: ApiRole | undefined): ApiRole {
  return declared ?? (method === 'GET' || method === 'HEAD' ? 'read' : 'operate');
}

export function satisfies(has: ApiRole, needs: ApiRole): boolean {
  return has === 'operate' || needs === 'read';
}
