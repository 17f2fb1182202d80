import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiResponse, ApiSecurity } from '@nestjs/swagger';

/*
 * Response shapes of the admin API, for the OpenAPI document. The services return plain objects
 * of these shapes; the classes exist so every response has a typed schema.
 */

export class ApiErrorDto {
  @ApiProperty({ example: 404 }) statusCode!: number;
  @ApiProperty({ example: "no run 'bt-x'", oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] }) message!: string | string[];
  @ApiProperty({ example: 'Not Found' }) error!: string;
}

export class FieldErrorDto {
  @ApiProperty({ example: 'interval' }) field!: string;
  @ApiProperty({ type: [String], example: ['interval must be one of the following values: 1h, 4h, 1d'] }) errors!: string[];
}

export class ValidationErrorDto extends ApiErrorDto {
  @ApiProperty({ type: [FieldErrorDto], description: 'Every invalid field with its messages' }) fields!: FieldErrorDto[];
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input: `fields` lists every invalid field',
  401: 'Missing or invalid API key',
  403: 'The API key lacks the role this endpoint needs (or, with no key configured, mutating endpoints are disabled)',
  404: 'Not found',
  409: 'Conflicts with the current state',
  429: 'Rate limit exceeded; see the Retry-After header',
  503: 'The trader is shutting down; see the Retry-After header',
};

/** Error responses of an endpoint, each with its schema. */
export function ApiErrors(...codes: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...codes.map((status) => ApiResponse({ status, description: ERROR_TEXT[status] ?? 'Error', type: status === 400 ? ValidationErrorDto : ApiErrorDto })));
}

/** The security requirement (x-api-key or Bearer) plus the auth and rate-limit errors. */
export function ApiKeyProtected(role: 'read' | 'operate'): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiSecurity('api-key'), ApiBearerAuth('bearer'), ApiErrors(...(role === 'read' ? [401, 403, 429] : [401, 403, 429, 503])));
}

export class RunListItemDto {
  @ApiProperty() runId!: string;
  @ApiProperty({ enum: ['backtest', 'paper', 'live'] }) mode!: string;
  @ApiProperty() strategy!: string;
  @ApiProperty({ enum: ['RUNNING', 'COMPLETED', 'FAILED'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finishedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
}

export class RunDto {
  @ApiProperty() runId!: string;
  @ApiProperty({ enum: ['backtest', 'paper', 'live'] }) mode!: string;
  @ApiProperty() strategy!: string;
  @ApiProperty({ enum: ['RUNNING', 'COMPLETED', 'FAILED'] }) status!: string;
  @ApiProperty({ description: 'Wall-clock ms' }) startedAt!: number;
  @ApiProperty({ nullable: true, type: Number }) finishedAt!: number | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) config!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'summary.json content once finished' }) summary!: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: String }) stateHash!: string | null;
  @ApiProperty({ nullable: true, type: String }) eventStreamHash!: string | null;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ description: 'True while its kernel is up in this process' }) active!: boolean;
}

export class StartedRunDto {
  @ApiProperty({ example: 'bt-20260101-000000-abcd' }) runId!: string;
  @ApiProperty({ enum: ['QUEUED'] }) status!: string;
}

export class OrderViewDto {
  @ApiProperty() clientOrderId!: string;
  @ApiProperty() instrumentId!: string;
  @ApiProperty({ enum: ['BUY', 'SELL'] }) side!: string;
  @ApiProperty() type!: string;
  @ApiProperty() quantity!: string;
  @ApiProperty() filledQty!: string;
  @ApiProperty({ nullable: true, type: String }) avgPx!: string | null;
  @ApiProperty() status!: string;
  @ApiProperty() reduceOnly!: boolean;
  @ApiProperty({ nullable: true, type: String }) venueOrderId!: string | null;
  @ApiProperty() tsInit!: number;
  @ApiProperty() tsLast!: number;
}

export class StoredEventDto {
  @ApiProperty() seq!: number;
  @ApiProperty() eventId!: string;
  @ApiProperty() streamId!: string;
  @ApiProperty() streamSeq!: number;
  @ApiProperty({ example: 'order.filled' }) type!: string;
  @ApiProperty() version!: number;
  @ApiProperty() tsEvent!: number;
  @ApiProperty() correlationId!: string;
  @ApiProperty({ nullable: true, type: String }) causationId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) payload!: Record<string, unknown>;
}

export class EventsPageDto {
  @ApiProperty() runId!: string;
  @ApiProperty({ type: [StoredEventDto] }) events!: StoredEventDto[];
  @ApiProperty({ nullable: true, type: Number, description: 'Pass as `after` for the next page; null at the end' }) next!: number | null;
}

export class TypedEventDto {
  @ApiProperty() streamSeq!: number;
  @ApiProperty() type!: string;
  @ApiProperty() tsEvent!: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) payload!: Record<string, unknown>;
}

export class DecisionsPageDto {
  @ApiProperty() runId!: string;
  @ApiProperty({ type: [TypedEventDto], description: '`sizing.decided` events' }) events!: TypedEventDto[];
  @ApiProperty({ nullable: true, type: Number }) next!: number | null;
}

export class BreakerStatusDto {
  @ApiProperty({ enum: ['CLOSED', 'OPEN', 'HALF_OPEN'] }) state!: string;
  @ApiProperty() sizeMultiplier!: number;
  @ApiProperty({ nullable: true, type: Number }) peak!: number | null;
  @ApiProperty() lastDrawdown!: number;
  @ApiProperty() trips!: number;
  @ApiProperty() enabled!: boolean;
}

export class BreakerViewDto {
  @ApiProperty() runId!: string;
  @ApiProperty({ type: BreakerStatusDto, nullable: true, description: 'Null unless the run is running' }) live!: BreakerStatusDto | null;
  @ApiProperty({ type: [TypedEventDto], description: '`risk.breaker_transitioned` events' }) transitions!: TypedEventDto[];
}

export class BreakerSessionStateDto {
  @ApiProperty({ enum: ['CLOSED', 'OPEN', 'HALF_OPEN'] }) state!: string;
  @ApiProperty() tripCount!: number;
  @ApiProperty({ description: 'Epoch ms of the transition into this state' }) since!: number;
  @ApiProperty() lastTrigger!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ type: String, nullable: true }) peak!: string | null;
  @ApiProperty({ type: String, nullable: true }) halfOpenBase!: string | null;
  @ApiProperty() tradingState!: string;
  @ApiProperty() sizeMultiplier!: string;
}

export class SessionStateDto {
  @ApiProperty() runId!: string;
  @ApiProperty({ enum: ['redis', 'memory'], description: 'memory: Redis is not configured or unreachable, so this is the process\'s own copy' }) source!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Last processed bar (tsEvent, epoch ms) per instrument' })
  lastBarTs!: Record<string, number>;
  @ApiProperty({ type: BreakerSessionStateDto, nullable: true }) breaker!: BreakerSessionStateDto | null;
}

export class BreakerActionResultDto {
  @ApiProperty() runId!: string;
  @ApiProperty({ description: 'False when the breaker already was in that state' }) changed!: boolean;
  @ApiProperty({ type: BreakerStatusDto }) status!: BreakerStatusDto;
}

export class ReplayResultDto {
  @ApiProperty() runId!: string;
  @ApiProperty() events!: number;
  @ApiProperty({ description: 'False on any difference' }) matches!: boolean;
  @ApiProperty() stateHash!: string;
  @ApiProperty({ nullable: true, type: String }) recordedStateHash!: string | null;
  @ApiProperty() eventStreamHash!: string;
  @ApiProperty({ nullable: true, type: String }) recordedEventStreamHash!: string | null;
  @ApiProperty({ type: [String] }) mismatches!: string[];
  @ApiProperty() eventsPerSec!: number;
}
