import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { TraderConfig } from '@config';
import { TRADER_CONFIG } from '../trader-config.token.js';
import { MessageBus, Stage } from '@lib/kernel';
import { BarClosedEvent, Money, SizingDecidedEvent, type JsonValue } from '@lib/model';
import { PortfolioService, canonicalDecimal } from '@lib/portfolio';
import {
  SqlDecisionRecordRepository,
  SqlPortfolioSnapshotRepository,
  SqlPredictionRepository,
  type ModelPrediction,
  decisionRecordOf,
  type DecisionRecord,
  type PortfolioSnapshot,
  type SizingDecidedPayload,
} from '@lib/persistence';

interface RawSnapshot {
  readonly streamId: string;
  readonly ts: number;
  readonly equity: Money;
  readonly drawdown: number;
  readonly grossExposure: Money;
  readonly positions: ReturnType<PortfolioService['projection']['openPositionsRaw']>;
}

function formatSnapshot(s: RawSnapshot): PortfolioSnapshot {
  let netRaw = 0n;
  const positions: JsonValue[] = [];
  for (const position of s.positions) {
    const markRaw = position.mark?.raw ?? 0n;
    netRaw += (position.qtyRaw * markRaw) / FIXED_SCALE;
    positions.push({
      instrumentId: position.instrumentId,
      netQty: canonicalDecimal(position.qtyRaw),
      mark: position.mark?.toString() ?? null,
      unrealizedPnl: Money.of(position.unrealizedRaw, s.equity.currency).toDecimal(),
    });
  }
  return {
    streamId: s.streamId,
    ts: s.ts,
    equity: s.equity.toDecimal(),
    drawdown: s.drawdown,
    grossExposure: s.grossExposure.toDecimal(),
    netExposure: Money.of(netRaw, s.equity.currency).toDecimal(),
    positions,
  };
}

const FIXED_SCALE = 1_000_000_000n;

/** Rows buffered before a write: large enough to keep backtests fast, small enough to bound memory. */
const BATCH = 2_000;

/**
 * Query-friendly copies of what the event store already holds: every `sizing.decided` decision
 * record, and the portfolio at every bar timestamp (equity, drawdown, exposure, positions). They
 * are projections: the events stay the source of truth and can rebuild them, so a failed write is
 * logged and counted, never thrown into trading. Also each model prediction with the input vector
 * it was computed from (model_predictions), handed over by the ML strategy.
 *
 * Snapshots are taken every `records.snapshotIntervalMs` of market time (4 h by default: every bar
 * of the platform's 4h interval, every fourth of an 1h backtest) and at the last bar of the run.
 * The snapshot of a timestamp is taken at each of its bars, the last one winning, so it is the
 * account after every instrument's bar at that time; the newest timestamp is only written once a
 * later one (or the end of the run) has closed it. Rows are buffered and written in batches.
 */
@Injectable()
export class RunRecordsProjection implements OnModuleInit {
  private readonly logger = new Logger(RunRecordsProjection.name);
  private decisions: DecisionRecord[] = [];
  private predictions: ModelPrediction[] = [];
  private snapshots = new Map<number, RawSnapshot>();
  private pending: Promise<void> = Promise.resolve();
  private failures = 0;
  private lastKeptTs: number | null = null;
  private lastSeen: { streamId: string; ts: number } | null = null;

  constructor(
    private readonly bus: MessageBus,
    private readonly portfolio: PortfolioService,
    private readonly decisionRepository: SqlDecisionRecordRepository,
    private readonly snapshotRepository: SqlPortfolioSnapshotRepository,
    private readonly predictionRepository: SqlPredictionRepository,
    @Inject(TRADER_CONFIG) private readonly config: TraderConfig,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe(SizingDecidedEvent, Stage.RECORDER, 'records.decisions', (_e, env) => {
      this.decisions.push(decisionRecordOf(env.streamId, env.tsEvent, JSON.parse(env.payload) as SizingDecidedPayload));
      if (this.decisions.length >= BATCH) this.write();
    });
    const interval = this.config.records.snapshotIntervalMs;
    this.bus.subscribe(BarClosedEvent, Stage.RECORDER, 'records.snapshots', (_e, env) => {
      this.lastSeen = { streamId: env.streamId, ts: env.tsEvent };
      if (this.lastKeptTs !== null && env.tsEvent !== this.lastKeptTs && env.tsEvent < this.lastKeptTs + interval) return;
      this.keep(env.streamId, env.tsEvent);
    });
  }

  /**
   * Records a model's output with the input it saw (model_predictions). The ML strategy calls it
   * (MlFeatureSink.prediction): the input vector is not in any event, only its result is.
   */
  recordPrediction(instrumentId: string, ts: number, modelName: string, modelVersion: number, input: ArrayLike<number>, prediction: number): void {
    this.predictions.push({ instrumentId, ts, modelName, modelVersion, features: Array.from(input), prediction });
    if (this.predictions.length >= BATCH) this.write();
  }

  /** Writes everything buffered; resolves once stored (or logged as failed). */
  async flush(): Promise<{ failures: number }> {
    // The run's last bar time is always kept, whatever the interval.
    if (this.lastSeen !== null && this.lastSeen.ts !== this.lastKeptTs) this.keep(this.lastSeen.streamId, this.lastSeen.ts);
    this.write(true);
    await this.pending;
    return { failures: this.failures };
  }

  private keep(streamId: string, ts: number): void {
    const snapshot = this.snapshotAt(streamId, ts);
    if (snapshot === null) return;
    this.lastKeptTs = ts;
    this.snapshots.set(ts, snapshot);
    if (this.snapshots.size > BATCH) this.write();
  }

  /** The account at a bar, raw: formatting waits for the write, and only the last bar of a timestamp is kept. */
  private snapshotAt(streamId: string, ts: number): RawSnapshot | null {
    const p = this.portfolio.projection;
    if (!p.isStarted) return null;
    const point = p.lastPoint();
    if (point === null) return null;
    return { streamId, ts, equity: point.equity, drawdown: point.drawdown, grossExposure: point.grossExposure, positions: p.openPositionsRaw() };
  }

  /** Hands the buffers to one sequential writer, so batches land in order and never overlap. */
  private write(final = false): void {
    const decisions = this.decisions;
    this.decisions = [];
    const predictions = this.predictions;
    this.predictions = [];
    const raw = [...this.snapshots.values()];
    this.snapshots = new Map();
    if (!final && raw.length > 0) {
      // The newest timestamp stays buffered: a later bar at the same time may still update it.
      const newest = raw.pop()!;
      this.snapshots.set(newest.ts, newest);
    }
    const snapshots = raw.map(formatSnapshot);
    if (decisions.length === 0 && snapshots.length === 0 && predictions.length === 0) return;
    this.pending = this.pending.then(async () => {
      try {
        if (decisions.length > 0) await this.decisionRepository.insert(decisions);
        if (snapshots.length > 0) await this.snapshotRepository.insert(snapshots);
        if (predictions.length > 0) {
          const result = await this.predictionRepository.insert(predictions);
          // The same model on the same bar saw different inputs: a reproducibility alarm (the stored row stays).
          if (result.conflicts > 0) this.logger.warn(`${result.conflicts} prediction(s) differ from the stored ones for the same model and bar (inputs not reproducible); the stored rows are kept`);
        }
      } catch (err) {
        this.failures++;
        this.logger.error(`run records not stored (${decisions.length} decisions, ${snapshots.length} snapshots, ${predictions.length} predictions): ${(err as Error).message}`);
      }
    });
  }
}
