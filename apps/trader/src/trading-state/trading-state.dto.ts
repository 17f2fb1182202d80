import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { BreakerStatusDto } from '../api/responses.dto.js';

export const TRADING_STATES = ['ACTIVE', 'REDUCING', 'HALTED'] as const;

export class SetTradingStateDto {
  @ApiProperty({ enum: TRADING_STATES, description: 'ACTIVE: trade normally; REDUCING: only orders that shrink a position; HALTED: no orders' })
  @IsIn(TRADING_STATES)
  state!: (typeof TRADING_STATES)[number];

  @ApiProperty({ example: 'exchange incident', description: 'Why the operator acts; stored in the risk.trading_state_changed event' })
  @IsString()
  @Matches(/^[^\n\r]{3,200}$/, { message: 'reason must be 3 to 200 characters on one line' })
  reason!: string;

  @ApiPropertyOptional({ example: 'bt-20260101-000000-abcd', description: 'Only this running run; default: every running run' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,100}$/, { message: 'runId must be 1 to 100 characters of [A-Za-z0-9._-]' })
  runId?: string;
}

export class SessionViewDto {
  @ApiProperty() runId!: string;
  @ApiProperty({ enum: ['backtest', 'paper', 'live'] }) mode!: string;
  @ApiProperty({ description: 'False until the run has opened its event stream (no operator action before that)' }) started!: boolean;
  @ApiProperty({ enum: TRADING_STATES, nullable: true, type: String }) tradingState!: string | null;
  @ApiProperty({ type: BreakerStatusDto, nullable: true }) breaker!: BreakerStatusDto | null;
}

export class TradingStateViewDto {
  @ApiProperty({ description: 'Runs whose kernel is up' }) running!: number;
  @ApiProperty({ type: [SessionViewDto] }) sessions!: SessionViewDto[];
}

export class TradingStateChangeDto {
  @ApiProperty() runId!: string;
  @ApiProperty({ enum: TRADING_STATES }) from!: string;
  @ApiProperty({ enum: TRADING_STATES }) to!: string;
  @ApiProperty({ description: 'False when the run already was in that state (nothing stored)' }) changed!: boolean;
}

export class TradingStateResultDto {
  @ApiProperty({ enum: TRADING_STATES }) state!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ type: [TradingStateChangeDto] }) applied!: TradingStateChangeDto[];
}
