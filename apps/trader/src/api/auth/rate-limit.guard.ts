import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerGuard, getOptionsToken, getStorageToken, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { ApiKeyRing, PUBLIC_METADATA, PUBLIC_PATH, presentedKey } from './api-keys.js';
import type { AuthenticatedRequest } from './api-key.guard.js';

/**
 * config.rateLimit per client over the whole API (not per route): the bucket of a valid key is
 * its name, so one operator's scripts share a budget across addresses; anything else (no key,
 * a wrong key) counts against the client address, which also rate-limits key guessing.
 * Runs before the key guard. Probes and /metrics are exempt.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @Inject(getOptionsToken()) options: ThrottlerModuleOptions,
    @Inject(getStorageToken()) storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly keys: ApiKeyRing,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    return PUBLIC_PATH.test(req.url) || this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, [context.getHandler(), context.getClass()]) === true;
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const presented = presentedKey(req.headers as AuthenticatedRequest['headers']);
    const principal = presented === null ? null : this.keys.match(presented);
    return principal ? `key:${principal.name}` : `ip:${String(req.ip ?? (req.socket as { remoteAddress?: string } | undefined)?.remoteAddress ?? 'unknown')}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return createHash('sha256').update(`${name}|${tracker}`).digest('hex');
  }
}
