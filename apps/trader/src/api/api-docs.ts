import { BadRequestException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

export const API_DESCRIPTION = [
  'Runs, positions, orders, events, decisions, backtests, audit replay, circuit breakers, trading state and the model registry.',
  '',
  '**Authentication.** Send an API key in the `x-api-key` header (or `Authorization: Bearer <key>`). Keys come from',
  '`TRADER_API_KEYS="name:role:key,..."` (role `read` or `operate`) and the legacy `TRADER_API_KEY` (an `operate` key).',
  '`read` may call every GET endpoint; `operate` may call everything. With **no key configured** (local use) the GET',
  'endpoints are open and the mutating ones are disabled (403); as soon as **any key is configured**, every endpoint',
  'needs a key: 401 without a valid one, 403 when its role is not enough.',
  '',
  '**Rate limit.** Per API key (by name), or per client address without a valid key; 429 with `Retry-After` (seconds).',
  '',
  '**Shutdown.** While the trader drains after SIGTERM, mutating calls get 503 with `Retry-After`.',
  '',
  'The probes `/health/live` and `/health/ready` and `/metrics` are never behind keys or rate limits.',
].join('\n');

/** Flattens nested errors into `field` paths such as `instruments.0`. */
function fieldErrors(errors: readonly ValidationError[], parent = ''): Array<{ field: string; errors: string[] }> {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, errors: Object.values(e.constraints) }] : [];
    return [...own, ...fieldErrors(e.children ?? [], field)];
  });
}

/** 400 body: `message` lists every problem (one line each), `fields` groups them by field. */
export function validationError(errors: ValidationError[]): BadRequestException {
  const fields = fieldErrors(errors);
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: fields.flatMap((f) => f.errors), fields });
}
