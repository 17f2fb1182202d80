import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Controller, Get } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ReadinessService } from '../health/readiness.service.js';
import { DrainState } from '../health/drain.js';
import { TradingSessions } from '../trading-state/trading-sessions.js';
import { SessionViewDto } from '../trading-state/trading-state.dto.js';
import { BacktestJobsService } from './backtest-jobs.service.js';
import { ApiKeyProtected } from './responses.dto.js';

class RunCountsDto {
  @ApiProperty({ description: 'Queued or running' }) active!: number;
  @ApiProperty() running!: number;
  @ApiProperty() queued!: number;
}

class ComponentStatusDto {
  @ApiProperty({ enum: ['up', 'degraded', 'down', 'disabled'] }) status!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) details?: Record<string, unknown>;
}

class StatusDto {
  @ApiProperty({ example: '0.1.0' }) version!: string;
  @ApiProperty({ enum: ['backtest', 'paper', 'live'], description: 'The most live mode among the running sessions; backtest when none runs' }) mode!: string;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty() uptimeSeconds!: number;
  @ApiProperty() draining!: boolean;
  @ApiProperty({ type: RunCountsDto }) runs!: RunCountsDto;
  @ApiProperty({ type: [SessionViewDto], description: 'Trading state and breaker of every running run' }) sessions!: SessionViewDto[];
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/ComponentStatusDto' }, description: 'The readiness components: store, config, models, market data, breaker, Redis...' })
  components!: Record<string, ComponentStatusDto>;
}

const STARTED_AT = Date.now();
const VERSION = packageVersion();

@ApiTags('status')
@ApiExtraModels(ComponentStatusDto)
@Controller('status')
export class StatusController {
  constructor(
    private readonly jobs: BacktestJobsService,
    private readonly sessions: TradingSessions,
    private readonly readiness: ReadinessService,
    private readonly drain: DrainState,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Version, mode, uptime, runs, trading state and breakers, and the state of every dependency' })
  @ApiOkResponse({ type: StatusDto })
  @ApiKeyProtected('read')
  async status(): Promise<StatusDto> {
    const sessions = this.sessions.list().map((s) => this.sessions.view(s));
    const modes = new Set(sessions.map((s) => s.mode));
    return {
      version: VERSION,
      mode: modes.has('live') ? 'live' : modes.has('paper') ? 'paper' : 'backtest',
      startedAt: new Date(STARTED_AT).toISOString(),
      uptimeSeconds: Math.round((Date.now() - STARTED_AT) / 1000),
      draining: this.drain.draining,
      runs: this.jobs.counts(),
      sessions,
      components: await this.readiness.components(),
    };
  }
}

/** The version in the repository's package.json, found from sources and from dist/ alike. */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'trade-matrix' && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  return 'unknown';
}
