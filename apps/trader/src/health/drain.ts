import { Injectable, Logger, ServiceUnavailableException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_METADATA, PUBLIC_PATH } from '../api/auth/api-keys.js';

/**
 * Set once on SIGTERM/SIGINT: from then on readiness is down (Kubernetes stops routing to the
 * pod) and the trader refuses new work while what it accepted finishes.
 */
@Injectable()
export class DrainState {
  private readonly logger = new Logger('Shutdown');
  private since: number | null = null;
  private deadline: number | null = null;

  get draining(): boolean {
    return this.since !== null;
  }

  begin(graceMs: number, reason: string): void {
    if (this.since !== null) return;
    this.since = Date.now();
    this.deadline = this.since + graceMs;
    this.logger.log(`draining (${reason}): readiness down, new work refused with 503`);
  }

  /** Seconds a client should wait before retrying elsewhere: what is left of the grace period, at least 1. */
  retryAfterSeconds(): number {
    return this.deadline === null ? 1 : Math.max(1, Math.ceil((this.deadline - Date.now()) / 1000));
  }

  status(): { draining: boolean; since: string | null } {
    return { draining: this.draining, since: this.since === null ? null : new Date(this.since).toISOString() };
  }
}

/** While draining, every mutating call gets 503 with Retry-After (reads still answer). */
@Injectable()
export class DrainGuard implements CanActivate {
  constructor(
    private readonly drain: DrainState,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.drain.draining || context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<{ method: string; url: string }>();
    if (req.method === 'GET' || req.method === 'HEAD' || PUBLIC_PATH.test(req.url)) return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, [context.getHandler(), context.getClass()])) return true;
    const res = context.switchToHttp().getResponse<{ setHeader(name: string, value: string): void }>();
    res.setHeader('Retry-After', String(this.drain.retryAfterSeconds()));
    throw new ServiceUnavailableException('the trader is shutting down and takes no new work; retry against another instance');
  }
}
