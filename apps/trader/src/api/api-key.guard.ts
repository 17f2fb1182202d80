import { timingSafeEqual } from 'node:crypto';
import { ForbiddenException, Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { TRADER_CONFIG } from '../trader-config.token.js';
import type { TraderConfig } from '@config';

/** Mutating endpoints need `x-api-key` equal to TRADER_API_KEY; without a configured key they are disabled. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(TRADER_CONFIG) private readonly config: TraderConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.apiKey;
    if (!expected) throw new ForbiddenException('mutating endpoints are disabled: set TRADER_API_KEY to enable them');
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers['x-api-key'];
    const given = Array.isArray(header) ? header[0] : header;
    if (!given) throw new UnauthorizedException('missing x-api-key header');
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw new UnauthorizedException('invalid API key');
    return true;
  }
}
