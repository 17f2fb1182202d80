import { Body, ConflictException, Controller, Get, Inject, NotFoundException, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RUN_REPOSITORY, type RunRepository } from '@lib/kernel';
import { ApiErrors, ApiKeyProtected } from '../api/responses.dto.js';
import { Roles } from '../api/auth/api-keys.js';
import { TradingSessions, type TradingSession } from './trading-sessions.js';
import { SetTradingStateDto, TradingStateResultDto, TradingStateViewDto, type TradingStateChangeDto } from './trading-state.dto.js';

@ApiTags('trading-state')
@Controller('trading-state')
export class TradingStateController {
  constructor(
    private readonly sessions: TradingSessions,
    @Inject(RUN_REPOSITORY) private readonly runs: RunRepository,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Trading state and breaker of every running run' })
  @ApiOkResponse({ type: TradingStateViewDto })
  @ApiKeyProtected('read')
  get(): TradingStateViewDto {
    const sessions = this.sessions.list().map((s) => this.sessions.view(s));
    return { running: sessions.length, sessions };
  }

  @Put()
  @Roles('operate')
  @ApiOperation({
    summary: 'Set the trading state of running runs (ACTIVE | REDUCING | HALTED) through their risk engine',
    description: 'Each change is stored in the run as risk.trading_state_changed with the reason. 409 when no run is running (or the given one is not).',
  })
  @ApiOkResponse({ type: TradingStateResultDto })
  @ApiKeyProtected('operate')
  @ApiErrors(400, 404, 409)
  async set(@Body() body: SetTradingStateDto): Promise<TradingStateResultDto> {
    const targets = await this.targets(body.runId);
    const reason = `operator: ${body.reason}`;
    const applied: TradingStateChangeDto[] = [];
    for (const session of targets) {
      const controls = session.controls();
      if (!controls) continue;
      const from = controls.tradingState.current;
      controls.tradingState.set(body.state, reason);
      applied.push({ runId: session.runId, from, to: controls.tradingState.current, changed: from !== body.state });
    }
    if (applied.length === 0) throw new ConflictException('no running run has opened its event stream yet: nothing to apply the trading state to');
    return { state: body.state, reason, applied };
  }

  private async targets(runId: string | undefined): Promise<TradingSession[]> {
    if (runId === undefined) {
      const all = this.sessions.list();
      if (all.length === 0) throw new ConflictException('no run is running: the trading state applies to running runs only');
      return all;
    }
    const session = this.sessions.get(runId);
    if (session) return [session];
    if ((await this.runs.get(runId)) === null) throw new NotFoundException(`no run '${runId}'`);
    throw new ConflictException(`run '${runId}' is not running: the trading state applies to running runs only`);
  }
}
