import { Body, ConflictException, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { SESSION_STATE_STORE, type SessionStateStore } from '@lib/redis';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { TraderConfig } from '@config';
import { TRADER_CONFIG } from '../trader-config.token.js';
import { ReplayService } from '../replay/replay.service.js';
import { Roles } from './auth/api-keys.js';
import { BacktestJobsService } from './backtest-jobs.service.js';
import { RunQueriesService } from './run-queries.service.js';
import { BreakerActionDto, DecisionsQueryDto, EventsQueryDto, PageQueryDto, RunIdParamsDto, StartBacktestDto } from './runs.dto.js';
import {
  ApiErrors,
  ApiKeyProtected,
  BreakerActionResultDto,
  BreakerViewDto,
  DecisionsPageDto,
  EventsPageDto,
  OrderViewDto,
  ReplayResultDto,
  RunDto,
  RunListItemDto,
  SessionStateDto,
  StartedRunDto,
} from './responses.dto.js';

const dateMs = (d: string | undefined) => (d === undefined ? null : Date.parse(`${d}T00:00:00Z`));

@ApiTags('runs')
@Controller('runs')
export class RunsController {
  constructor(
    private readonly queries: RunQueriesService,
    private readonly jobs: BacktestJobsService,
    private readonly replays: ReplayService,
    @Inject(TRADER_CONFIG) private readonly config: TraderConfig,
    @Inject(SESSION_STATE_STORE) private readonly sessions: SessionStateStore,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List runs, most recent first' })
  @ApiOkResponse({ type: [RunListItemDto] })
  @ApiKeyProtected('read')
  @ApiErrors(400)
  list(@Query() q: PageQueryDto) {
    return this.queries.list(q.limit, q.offset);
  }

  @Get(':runId')
  @ApiOperation({ summary: 'A run with its summary (summary.json content once finished)' })
  @ApiOkResponse({ type: RunDto })
  @ApiKeyProtected('read')
  @ApiErrors(400, 404)
  async get(@Param() p: RunIdParamsDto) {
    const { finalState: _omit, ...record } = await this.queries.get(p.runId);
    return { ...record, active: this.jobs.isActive(p.runId) };
  }

  @Get(':runId/positions')
  @ApiOperation({ summary: 'Final positions of a finished run' })
  @ApiOkResponse({ description: 'Positions of the final portfolio snapshot', schema: { type: 'array', items: { type: 'object', additionalProperties: true } } })
  @ApiKeyProtected('read')
  @ApiErrors(400, 404)
  positions(@Param() p: RunIdParamsDto) {
    return this.queries.positions(p.runId);
  }

  @Get(':runId/orders')
  @ApiOperation({ summary: 'Orders of a run, rebuilt from its event stream' })
  @ApiOkResponse({ type: [OrderViewDto] })
  @ApiKeyProtected('read')
  @ApiErrors(400, 404)
  orders(@Param() p: RunIdParamsDto, @Query() q: PageQueryDto) {
    return this.queries.orders(p.runId, q.limit, q.offset);
  }

  @Get(':runId/events')
  @ApiOperation({ summary: 'Events of a run in stream order, paged by stream position' })
  @ApiOkResponse({ type: EventsPageDto })
  @ApiKeyProtected('read')
  @ApiErrors(400, 404)
  events(@Param() p: RunIdParamsDto, @Query() q: EventsQueryDto) {
    return this.queries.events(p.runId, q.after, q.limit);
  }

  @Get(':runId/decisions')
  @ApiOperation({ summary: 'Decision records of a run: signal, confidence, regime, tier, raw and final size, reasons for any cut' })
  @ApiOkResponse({ type: DecisionsPageDto })
  @ApiKeyProtected('read')
  @ApiErrors(400, 404)
  decisions(@Param() p: RunIdParamsDto, @Query() q: DecisionsQueryDto) {
    return this.queries.decisions(p.runId, q.after, q.limit, q.instrument);
  }

  @Get(':runId/breaker')
  @ApiOperation({ summary: 'Circuit breaker of a run: live status while it runs, and every stored transition' })
  @ApiOkResponse({ type: BreakerViewDto })
  @ApiKeyProtected('read')
  @ApiErrors(400, 404)
  async breaker(@Param() p: RunIdParamsDto) {
    const transitions = await this.queries.breakerTransitions(p.runId);
    return { runId: p.runId, live: this.jobs.breaker(p.runId)?.status() ?? null, transitions };
  }

  @Get(':runId/session')
  @ApiOperation({
    summary: 'Session state of a run: last processed bar per instrument and the breaker, as kept in Redis (survives a trader restart)',
    description: 'Read from Redis when it is configured and reachable (source redis), else from this process (source memory).',
  })
  @ApiOkResponse({ type: SessionStateDto })
  @ApiKeyProtected('read')
  @ApiErrors(400, 404)
  async session(@Param() p: RunIdParamsDto) {
    await this.queries.get(p.runId);
    const loaded = await this.sessions.load(p.runId);
    return { runId: p.runId, source: loaded.source, lastBarTs: loaded.state.lastBarTs, breaker: loaded.state.breaker };
  }

  @Post(':runId/breaker/trip')
  @HttpCode(200)
  @Roles('operate')
  @ApiOperation({ summary: 'Operator trip: the breaker opens, flattens every position and sets trading to REDUCING' })
  @ApiOkResponse({ type: BreakerActionResultDto })
  @ApiKeyProtected('operate')
  @ApiErrors(400, 404, 409)
  async trip(@Param() p: RunIdParamsDto, @Body() body: BreakerActionDto) {
    const breaker = await this.activeBreaker(p.runId);
    const changed = breaker.trip(body.reason);
    return { runId: p.runId, changed, status: breaker.status() };
  }

  @Post(':runId/breaker/reset')
  @HttpCode(200)
  @Roles('operate')
  @ApiOperation({ summary: 'Operator reset: the breaker closes and trading returns to ACTIVE' })
  @ApiOkResponse({ type: BreakerActionResultDto })
  @ApiKeyProtected('operate')
  @ApiErrors(400, 404, 409)
  async reset(@Param() p: RunIdParamsDto, @Body() body: BreakerActionDto) {
    const breaker = await this.activeBreaker(p.runId);
    const changed = breaker.reset(body.reason);
    return { runId: p.runId, changed, status: breaker.status() };
  }

  private async activeBreaker(runId: string) {
    await this.queries.get(runId);
    const breaker = this.jobs.breaker(runId);
    if (!breaker) throw new ConflictException(`run ${runId} is not running: only a running kernel has a breaker to trip or reset`);
    return breaker;
  }

  @Post()
  @HttpCode(202)
  @Roles('operate')
  @ApiOperation({ summary: 'Start a backtest (runs in the background, one at a time)' })
  @ApiAcceptedResponse({ type: StartedRunDto, description: 'The backtest is queued; poll GET /runs/{runId}' })
  @ApiKeyProtected('operate')
  @ApiErrors(400)
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
  @Roles('operate')
  @ApiOperation({ summary: 'Rebuild the portfolio from the stored events and compare with the run record' })
  @ApiOkResponse({ type: ReplayResultDto, description: 'Replay result: matches is false on any difference' })
  @ApiKeyProtected('operate')
  @ApiErrors(400, 404, 409)
  async replay(@Param() p: RunIdParamsDto) {
    await this.queries.get(p.runId);
    if (this.jobs.isActive(p.runId)) throw new ConflictException(`run ${p.runId} is still queued or running: replay it once it has finished`);
    return this.replays.replay(p.runId);
  }
}
