import { Injectable } from '@nestjs/common';
import type { TradingState } from '@lib/model';
import type { BreakerStatus, CircuitBreakerService, TradingStateService } from '@lib/risk';

export type SessionMode = 'backtest' | 'paper' | 'live';

/** The risk services of a running kernel an operator may act on. */
export interface SessionControls {
  readonly tradingState: TradingStateService;
  readonly breaker: CircuitBreakerService;
}

/**
 * A run whose kernel is up in this process (a backtest now; paper and live sessions register
 * the same way). `controls()` is null until the run's own stream is open: an operator change
 * must land in the run's events, after run.started.
 */
export interface TradingSession {
  readonly runId: string;
  readonly mode: SessionMode;
  controls(): SessionControls | null;
  /** Paper/live: wall-clock ms of the last bar received, per instrument (readiness checks its age). */
  lastBarAt?(): ReadonlyMap<string, number>;
}

export interface SessionView {
  readonly runId: string;
  readonly mode: SessionMode;
  readonly started: boolean;
  readonly tradingState: TradingState | null;
  readonly breaker: BreakerStatus | null;
}

/** Every trading session of the process, for the admin API, readiness and status. */
@Injectable()
export class TradingSessions {
  private readonly sessions = new Map<string, TradingSession>();

  /** Returns the unregistration. */
  register(session: TradingSession): () => void {
    this.sessions.set(session.runId, session);
    return () => {
      if (this.sessions.get(session.runId) === session) this.sessions.delete(session.runId);
    };
  }

  get(runId: string): TradingSession | undefined {
    return this.sessions.get(runId);
  }

  list(): TradingSession[] {
    return [...this.sessions.values()];
  }

  view(session: TradingSession): SessionView {
    const controls = session.controls();
    return {
      runId: session.runId,
      mode: session.mode,
      started: controls !== null,
      tradingState: controls?.tradingState.current ?? null,
      breaker: controls?.breaker.status() ?? null,
    };
  }
}
