import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields every log line made inside a scope carries (all bounded to what the scope knows). */
export interface LogContext {
  readonly runId?: string;
  readonly instrument?: string;
  readonly strategy?: string;
  readonly correlationId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `work` with `fields` added to every log line made inside it, across awaits (the run of a
 * backtest, one instrument's bar). Nested scopes add to, and may override, the outer one.
 */
export function withLogContext<T>(fields: LogContext, work: () => T): T {
  return storage.run({ ...storage.getStore(), ...fields }, work);
}

export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
