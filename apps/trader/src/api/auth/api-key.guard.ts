import { ForbiddenException, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyRing, PUBLIC_METADATA, PUBLIC_PATH, ROLES_METADATA, presentedKey, requiredRole, satisfies, type ApiPrincipal, type ApiRole } from './api-keys.js';

export interface AuthenticatedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  apiKey?: ApiPrincipal;
}

/**
 * Global guard. No key configured (local use): GET endpoints are open, mutating ones refused
 * with 403. Any key configured: every endpoint needs a key with the role it declares (default
 * `read` for GET/HEAD, `operate` for the rest). Messages name the key, never echo it.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyRing,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (PUBLIC_PATH.test(req.url) || this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, [context.getHandler(), context.getClass()])) return true;
    const needs = requiredRole(req.method, this.reflector.getAllAndOverride<ApiRole>(ROLES_METADATA, [context.getHandler(), context.getClass()]));
    if (!this.keys.configured) {
      if (needs === 'read') return true;
      throw new ForbiddenException('mutating endpoints are disabled: configure TRADER_API_KEYS (name:role:key) or TRADER_API_KEY to enable them');
    }
    const presented = presentedKey(req.headers);
    if (presented === null) throw new UnauthorizedException('missing API key: send it in the x-api-key header or as Authorization: Bearer <key>');
    const principal = this.keys.match(presented);
    if (principal === null) throw new UnauthorizedException('invalid API key');
    if (!satisfies(principal.role, needs)) throw new ForbiddenException(`API key '${principal.name}' has role '${principal.role}'; ${req.method} ${req.url.split('?')[0]} needs '${needs}'`);
    req.apiKey = principal;
    return true;
  }
}
