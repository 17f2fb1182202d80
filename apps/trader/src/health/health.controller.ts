import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { EVENT_STORE, type EventStore } from '@lib/kernel';
import { TraderConfigSchema, type TraderConfig } from '@config';
import { TRADER_CONFIG } from '../trader-config.token.js';

/** Kubernetes-style probes: live = the process and its event loop answer; ready = the store answers and config is valid. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(TRADER_CONFIG) private readonly config: TraderConfig,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process and its event loop are responsive' })
  live() {
    return this.health.check([
      () =>
        this.indicators
          .check('eventLoop')
          .attempt(async () => ({ lagMs: await eventLoopLag() }))
          .withTimeout(1000),
    ]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: the event store answers and the configuration is valid' })
  ready() {
    return this.health.check([
      () =>
        this.indicators
          .check('store')
          .attempt(async () => ({ lastSeq: await this.store.lastSeq() }))
          .withTimeout(2000),
      () => {
        const parsed = TraderConfigSchema.safeParse(this.config);
        const session = this.indicators.check('config');
        return parsed.success ? session.up() : session.down({ issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      },
    ]);
  }
}

function eventLoopLag(): Promise<number> {
  const start = performance.now();
  return new Promise((resolve) => setImmediate(() => resolve(Math.round((performance.now() - start) * 100) / 100)));
}
