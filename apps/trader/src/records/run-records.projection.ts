import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { MessageBus, Stage } from '@lib/kernel';
import { BarClosedEvent, Money, SizingDecidedEvent, type JsonValue } from '@lib/model';
import { PortfolioService } from '@lib/portfolio';
import {
  SqlDecisionRecordRepository,
  SqlPortfolioSnapshotRepository,
  decisionRecordOf,
  type DecisionRecord,
  type PortfolioSnapshot,
  type SizingDecidedPayload,
} from '@lib/persistence';

/** Rows buffered before a write: large enough to keep backtests fast, small enough to bound memory. */
const BATCH = 2_000;

/**
 * Query-friendly copies of what the event store already holds: every `sizing.decided` decision
 * record, and the portfolio at every bar timestamp (equity, drawdown, exposure, positions). They
 * are projections: the events stay the source of truth and can rebuild them, so a failed write is
 * logged and counted, never thrown into trading.
 *
 * Rows are buffered and written in batches (and at the end of the run, `flush`). The snapshot of a
 * timestamp is taken at each of its bars, the last one winning, so it is the account after every
 * instrument's bar at that time; the newest timestamp is only written once a later one (or the end
 * of the run) has closed it.
 */
@Injectable()
export class RunRecordsProjection implements OnModuleInit {
  private readonly logger = new Logger(RunRecordsProjection.name);
  private decisions: DecisionRecord[] = [];
  private snapshots = new Map<number, PortfolioSnapshot>();
  private pending: Promise<void> = Promise.resolve();
  private failures = 0;

  constructor(
    private readonly bus: MessageBus,
    private readonly portfolio: PortfolioService,
    private readonly decisionRepository: SqlDecisionRecordRepository,
    private readonly snapshotRepository: SqlPortfolioSnapshotRepository,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe(SizingDecidedEvent, Stage.RECORDER, 'records.decisions', (_e, env) => {
      this.decisions.push(decisionRecordOf(env.streamId, env.tsEvent, JSON.parse(env.payload) as SizingDecidedPayload));
      if (this.decisions.length >= BATCH) this.write();
    });
    this.bus.subscribe(BarClosedEvent, Stage.RECORDER, 'records.snapshots', (_e, env) => {
      const snapshot = this.snapshotAt(env.streamId, env.tsEvent);
      if (snapshot === null) return;
      this.snapshots.set(env.tsEvent, snapshot);
      if (this.snapshots.size > BATCH) this.write();
    });
  }

  /** Writes everything buffered; resolves once stored (or logged as failed). */
  async flush(): Promise<{ failures: number }> {
    this.write(true);
    await this.pending;
    return { failures: this.failures };
  }

  private snapshotAt(streamId: string, ts: number): PortfolioSnapshot | null {
    const p = this.portfolio.projection;
    if (!p.isStarted) return null;
    const point = p.equityCurve().at(-1);
    if (point === undefined) return null;
    let netRaw = 0n;
    const positions: JsonValue[] = [];
    for (const position of p.positions()) {
      if (position.netQtyRaw === 0n || position.lastMark === null) continue;
      const notional = (position.netQtyRaw * position.lastMark.raw) / 1_000_000_000n;
      netRaw += notional;
      positions.push({ instrumentId: position.instrumentId, netQty: position.netQty, mark: position.lastMark.toString(), unrealizedPnl: position.unrealizedPnl.toDecimal() });
    }
    return {
      streamId,
      ts,
      equity: point.equity.toDecimal(),
      drawdown: point.drawdown,
      grossExposure: point.grossExposure.toDecimal(),
      netExposure: Money.of(netRaw, point.equity.currency).toDecimal(),
      positions,
    };
  }

  /** Hands the buffers to one sequential writer, so batches land in order and never overlap. */
  private write(final = false): void {
    const decisions = this.decisions;
    this.decisions = [];
    let snapshots = [...this.snapshots.values()];
    this.snapshots = new Map();
    if (!final && snapshots.length > 0) {
      // The newest timestamp stays buffered: a later bar at the same time may still update it.
      const newest = snapshots.pop()!;
      this.snapshots.set(newest.ts, newest);
    }
    if (decisions.length === 0 && snapshots.length === 0) return;
    this.pending = this.pending.then(async () => {
      try {
        if (decisions.length > 0) await this.decisionRepository.insert(decisions);
        if (snapshots.length > 0) await this.snapshotRepository.insert(snapshots);
      } catch (err) {
        this.failures++;
        this.logger.error(`run records not stored (${decisions.length} decisions, ${snapshots.length} snapshots): ${(err as Error).message}`);
      }
    });
  }
}
