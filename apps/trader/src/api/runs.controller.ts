import { Body, ConflictException, Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { TraderConfig } from '@config';
import { TRADER_CONFIG } from '../trader-config.token.js';
import { ReplayService } from '../replay/replay.service.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { BacktestJobsService } from './backtest-jobs.service.js';
import { RunQueriesService } from './run-queries.service.js';
import { BreakerActionDto, DecisionsQueryDto, EventsQueryDto, PageQueryDto, StartBacktestDto } from './runs.dto.js';

const dateMs = (d: string | undefined) => (d === undefined ? null : Date.parse(`${d}T00:00:00Z`));

@ApiTags('runs')
@Controller('runs')
export class RunsController {
  constructor(
    private readonly queries: RunQueriesService,
    private readonly jobs: BacktestJobsService,
    private readonly replays: ReplayService,
    @Inject(TRADER_CONFIG) private readonly config: TraderConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List runs, most recent first' })
  list(@Query() q: PageQueryDto) {
    return this.queries.list(q.limit, q.offset);
  }

  @Get(':runId')
  @ApiOperation({ summary: 'A run with its summary (summary.json content once finished)' })
  async get(@Param('runId') runId: string) {
    const { finalState: _omit, ...record } = await this.queries.get(runId);
    return { ...record, active: this.jobs.isActive(runId) };
  }

  @Get(':runId/positions')
  @ApiOperation({ summary: 'Final positions of a finished run' })
  positions(@Param('runId') runId: string) {
    return this.queries.positions(runId);
  }

  @Get(':runId/orders')
  @ApiOperation({ summary: 'Orders of a run, rebuilt from its event stream' })
  orders(@Param('runId') runId: string, @Query() q: PageQueryDto) {
    return this.queries.orders(runId, q.limit, q.offset);
  }

  @Get(':runId/events')
  @ApiOperation({ summary: 'Events of a run in stream order, paged by stream position' })
  events(@Param('runId') runId: string, @Query() q: EventsQueryDto) {
    return this.queries.events(runId, q.after, q.limit);
  }

  @Get(':runId/decisions')
  @ApiOperation({ summary: 'Decision records of a run: signal, confidence, regime, tier, raw and final size, reasons for any cut' })
  decisions(@Param('runId') runId: string, @Query() q: DecisionsQueryDto) {
    return this.queries.decisions(runId, q.after, q.limit, q.instrument);
  }

  @Get(':runId/breaker')
  @ApiOperation({ summary: 'Circuit breaker of a run: live status while it runs, and every stored transition' })
  async breaker(@Param('runId') runId: string) {
    const transitions = await this.queries.breakerTransitions(runId);
    return { runId, live: this.jobs.breaker(runId)?.status() ?? null, transitions };
  }

  @Post(':runId/breaker/trip')
  @HttpCode(200)
  @UseGuards(ApiKeyGuard)
  @ApiHeader({ name: 'x-api-key', required: true })
  @ApiOperation({ summary: 'Operator trip: the breaker opens, flattens every position and sets trading to REDUCING' })
  async trip(@Param('runId') runId: string, @Body() body: BreakerActionDto) {
    const breaker = await this.activeBreaker(runId);
    const changed = breaker.trip(body.reason);
    return { runId, changed, status: breaker.status() };
  }

  @Post(':runId/breaker/reset')
  @HttpCode(200)
  @UseGuards(ApiKeyGuard)
  @ApiHeader({ name: 'x-api-key', required: true })
  @ApiOperation({ summary: 'Operator reset: the breaker closes and trading returns to ACTIVE' })
  async reset(@Param('runId') runId: string, @Body() body: BreakerActionDto) {
    const breaker = await this.activeBreaker(runId);
    const changed = breaker.reset(body.reason);
    return { runId, changed, status: breaker.status() };
  }

  private async activeBreaker(runId: string) {
    await this.queries.get(runId);
    const breaker = this.jobs.breaker(runId);
    if (!breaker) throw new ConflictException(`run ${runId} is not running: only a running kernel has a breaker to trip or reset`);
    return breaker;
  }

  @Post()
  @HttpCode(202)
  @UseGuards(ApiKeyGuard)
  @ApiHeader({ name: 'x-api-key', required: true })
  @ApiAcceptedResponse({ description: 'The backtest is queued; poll GET /runs/{runId}' })
  @ApiOperation({ summary: 'Start a backtest (runs in the background)' })
  start(@Body() body: StartBacktestDto) {
    const runId = this.jobs.start({
      dataDir: process.env.TM_DATA_DIR ?? '../shared/data',
      source: body.source ?? this.config.backtest.source,
      interval: body.interval ?? this.config.backtest.interval,
      instruments: body.instruments ?? [],
      from: dateMs(body.from),
      to: dateMs(body.to),
      initialCapital: body.initialCapital ?? this.config.backtest.initialCapital,
    });
    return { runId, status: 'QUEUED' };
  }

  @Post(':runId/replay')
  @HttpCode(200)
  @UseGuards(ApiKeyGuard)
  @ApiHeader({ name: 'x-api-key', required: true })
  @ApiOkResponse({ description: 'Replay result: matches is false on any difference' })
  @ApiOperation({ summary: 'Rebuild the portfolio from the stored events and compare with the run record' })
  replay(@Param('runId') runId: string) {
    return this.replays.replay(runId);
  }
}
