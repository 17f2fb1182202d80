import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { Public } from '../api/auth/api-keys.js';
import { ReadinessService } from './readiness.service.js';

/** Event-loop lag above this makes the liveness probe fail (the process is wedged, restart it). */
export const MAX_EVENT_LOOP_LAG_MS = 1000;

/** Kubernetes-style probes, never behind keys or rate limits. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(ReadinessService) private readonly readiness: ReadinessService,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: `Liveness: the process answers and its event loop lag is under ${MAX_EVENT_LOOP_LAG_MS} ms` })
  live() {
    return this.health.check([
      async () => {
        const lagMs = await eventLoopLag();
        const session = this.indicators.check('eventLoop');
        return lagMs <= MAX_EVENT_LOOP_LAG_MS ? session.up({ lagMs }) : session.down({ lagMs, maxLagMs: MAX_EVENT_LOOP_LAG_MS });
      },
    ]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: not shutting down, store answers, config valid, models in Production (ML strategy), fresh market data (paper/live), breaker not faulted, plus registered signals (Redis)',
    description: 'A `degraded` component (Redis configured but away) keeps the trader ready (HTTP 200, status degraded); `disabled` ones are reported; any `down` one gives 503.',
  })
  async ready() {
    const components = await this.readiness.components();
    return this.health.check(
      Object.entries(components).map(([name, report]) => async (): Promise<HealthIndicatorResult> => {
        const session = this.indicators.check(name);
        const details = { ...(report.details ?? {}) };
        if (report.status === 'down') return session.down(details);
        if (report.status === 'degraded') return session.degraded(details);
        // terminus knows up/degraded/down only; a disabled component is up with the word in its details.
        return session.up(report.status === 'disabled' ? { ...details, state: 'disabled' } : details);
      }),
    );
  }
}

function eventLoopLag(): Promise<number> {
  const start = performance.now();
  return new Promise((resolve) => setImmediate(() => resolve(Math.round((performance.now() - start) * 100) / 100)));
}
