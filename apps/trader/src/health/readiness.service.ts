import { Inject, Injectable, Logger } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@lib/kernel';
import { ModelRegistry } from '@lib/ml';
import { instrumentFromSpec } from '@lib/model';
import { signalModelName } from '@lib/strategy';
import { TraderConfigSchema, type TraderConfig } from '@config';
import { TRADER_CONFIG } from '../trader-config.token.js';
import { TradingSessions } from '../trading-state/trading-sessions.js';
import { DrainState } from './drain.js';
import { READINESS_SIGNALS, type ReadinessReport, type ReadinessSignal } from './readiness.js';

const BREAKER_STATES = new Set(['CLOSED', 'OPEN', 'HALF_OPEN']);
const withTimeout = <T>(work: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    work.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });

/**
 * Each readiness component as a ReadinessReport. Only `down` makes the trader unready: a
 * configured Redis that is away is `degraded` (the trader keeps its state in memory), an open
 * circuit breaker is a trading state, not a fault.
 */
@Injectable()
export class ReadinessService {
  private readonly logger = new Logger('Readiness');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(TRADER_CONFIG) private readonly config: TraderConfig,
    @Inject(READINESS_SIGNALS) private readonly signals: ReadinessSignal[],
    private readonly registry: ModelRegistry,
    private readonly sessions: TradingSessions,
    private readonly drain: DrainState,
  ) {}

  /** Every component by name, in a stable order. */
  async components(): Promise<Record<string, ReadinessReport>> {
    const checks: Array<[string, () => Promise<ReadinessReport>]> = [
      ['shutdown', async () => this.shutdownCheck()],
      ['store', () => this.storeCheck()],
      ['config', async () => this.configCheck()],
      ['models', () => this.modelsCheck()],
      ['marketData', async () => this.marketDataCheck()],
      ['breaker', async () => this.breakerCheck()],
      ...this.signals.map((s): [string, () => Promise<ReadinessReport>] => [s.name, () => s.check()]),
    ];
    const results = await Promise.all(
      checks.map(async ([name, check]): Promise<[string, ReadinessReport]> => {
        try {
          return [name, await withTimeout(check(), 2000, name)];
        } catch (err) {
          return [name, { status: 'down', details: { error: (err as Error).message } }];
        }
      }),
    );
    return Object.fromEntries(results);
  }

  private shutdownCheck(): ReadinessReport {
    return this.drain.draining ? { status: 'down', details: { ...this.drain.status(), message: 'shutting down: not taking new work' } } : { status: 'up' };
  }

  private async storeCheck(): Promise<ReadinessReport> {
    return { status: 'up', details: { lastSeq: await this.store.lastSeq() } };
  }

  private configCheck(): ReadinessReport {
    const parsed = TraderConfigSchema.safeParse(this.config);
    return parsed.success ? { status: 'up' } : { status: 'down', details: { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) } };
  }

  /** The ML strategy cannot trade an instrument without a Production signal model for it. */
  private async modelsCheck(): Promise<ReadinessReport> {
    if (this.config.strategy.name !== 'ml-signal') return { status: 'disabled', details: { strategy: this.config.strategy.name, message: 'the strategy needs no models' } };
    const names = this.config.instruments.map((spec) => signalModelName(instrumentFromSpec(spec)));
    const production: Record<string, number | null> = {};
    for (const name of names) production[name] = (await this.registry.production(name))?.version ?? null;
    const missing = names.filter((n) => production[n] === null);
    return missing.length === 0 ? { status: 'up', details: { production } } : { status: 'down', details: { production, missing } };
  }

  /** Paper and live sessions only: a backtest replays history, its bars are old by design. */
  private marketDataCheck(): ReadinessReport {
    const now = Date.now();
    const max = this.config.health.maxBarAgeMs;
    const ages: Record<string, Record<string, number>> = {};
    const stale: string[] = [];
    for (const session of this.sessions.list()) {
      if (session.mode === 'backtest' || !session.lastBarAt) continue;
      const perInstrument: Record<string, number> = {};
      for (const [instrument, at] of session.lastBarAt()) {
        const age = now - at;
        perInstrument[instrument] = age;
        if (age > max) stale.push(`${session.runId}/${instrument}`);
      }
      ages[session.runId] = perInstrument;
    }
    if (Object.keys(ages).length === 0) return { status: 'disabled', details: { message: 'no paper or live session' } };
    return stale.length === 0 ? { status: 'up', details: { maxBarAgeMs: max, ageMs: ages } } : { status: 'down', details: { maxBarAgeMs: max, ageMs: ages, stale } };
  }

  private breakerCheck(): ReadinessReport {
    const states: Record<string, string> = {};
    const faults: string[] = [];
    for (const session of this.sessions.list()) {
      try {
        const controls = session.controls();
        if (!controls) continue;
        const state = controls.breaker.status().state;
        states[session.runId] = state;
        if (!BREAKER_STATES.has(state)) faults.push(`${session.runId}: unknown breaker state ${String(state)}`);
      } catch (err) {
        faults.push(`${session.runId}: breaker status failed: ${(err as Error).message}`);
      }
    }
    if (faults.length > 0) this.logger.warn(`breaker faults: ${faults.join('; ')}`);
    return faults.length === 0 ? { status: 'up', details: { states } } : { status: 'down', details: { states, faults } };
  }
}
