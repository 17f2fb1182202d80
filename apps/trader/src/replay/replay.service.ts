import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStreamHasher, RUN_REPOSITORY, readStreamPages, type EventStore, type RunRepository } from '@lib/kernel';
import { RunCompletedEvent, defaultEventRegistry } from '@lib/model';
import { PortfolioProjection } from '@lib/portfolio';

export interface ReplayResult {
  readonly runId: string;
  readonly events: number;
  readonly matches: boolean;
  readonly stateHash: string;
  readonly recordedStateHash: string | null;
  readonly eventStreamHash: string;
  readonly recordedEventStreamHash: string | null;
  readonly mismatches: string[];
  readonly eventsPerSec: number;
}

export class ReplayError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'ReplayError';
  }
}

/**
 * Audit replay: rebuilds the portfolio from the stored events alone (read by seq, with gap
 * detection) and compares it with what the run recorded: the state hash in its `run.completed`
 * event, the run record, and the event-stream hash.
 */
@Injectable()
export class ReplayService {
  private readonly registry = defaultEventRegistry();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(RUN_REPOSITORY) private readonly runs: RunRepository,
  ) {}

  async replay(runId: string): Promise<ReplayResult> {
    const record = await this.runs.get(runId);
    if (!record) throw new ReplayError('REPLAY.UNKNOWN_RUN', `no run '${runId}' in the store`);
    const started = performance.now();
    const projection = new PortfolioProjection();
    const hasher = new EventStreamHasher();
    let completed: RunCompletedEvent | null = null;
    for await (const page of readStreamPages(this.store, runId, 10_000)) {
      for (const envelope of page) {
        const event = this.registry.decode(envelope.type, envelope.version, envelope.payload);
        projection.apply(event, envelope);
        hasher.add(envelope);
        if (event instanceof RunCompletedEvent) completed = event;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const stateHash = projection.stateHash();
    const eventStreamHash = hasher.digest();
    const mismatches: string[] = [];
    if (!completed) mismatches.push('stream has no run.completed event (run did not finish)');
    else if (completed.stateHash !== stateHash) mismatches.push(`state hash ${stateHash} != run.completed ${completed.stateHash}`);
    if (record.stateHash !== null && record.stateHash !== stateHash) mismatches.push(`state hash ${stateHash} != run record ${record.stateHash}`);
    if (record.eventStreamHash !== null && record.eventStreamHash !== eventStreamHash) {
      mismatches.push(`event stream hash ${eventStreamHash} != run record ${record.eventStreamHash}`);
    }
    if (record.finalState !== null && record.finalState !== JSON.stringify(projection.snapshot())) {
      mismatches.push('rebuilt portfolio state differs from the recorded final state');
    }
    return {
      runId,
      events: hasher.events,
      matches: mismatches.length === 0,
      stateHash,
      recordedStateHash: record.stateHash,
      eventStreamHash,
      recordedEventStreamHash: record.eventStreamHash,
      mismatches,
      eventsPerSec: seconds > 0 ? Math.round(hasher.events / seconds) : hasher.events,
    };
  }
}
