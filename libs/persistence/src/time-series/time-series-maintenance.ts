import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { partitionManagerFor, type MaintenanceReport, type PartitionManager, type TimeSeriesDetection } from './partition-manager.js';
import { resolvedSpecs, type TimeSeriesPolicy, type TimeSeriesTableSpec } from './time-series.tables.js';

export interface TimeSeriesOptions extends TimeSeriesPolicy {
  /** Partitions kept ready beyond the current month (native path). Default 3. */
  readonly monthsAhead?: number;
  /** Between two maintenance passes. Default 6 hours. */
  readonly intervalMs?: number;
}

const DEFAULT_MONTHS_AHEAD = 3;
const DEFAULT_INTERVAL_MS = 6 * 3_600_000;

/**
 * Keeps the time-series tables ready and trimmed: a pass at application bootstrap (logging which
 * storage path this database uses), then one every `intervalMs` on an unref'd timer, so it never
 * keeps a finished process alive. A failed pass is logged, never thrown: writes still create the
 * partitions they need, and the next pass retries.
 */
export class TimeSeriesMaintenance implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('TimeSeriesMaintenance');
  private readonly manager: PartitionManager;
  private readonly specs: TimeSeriesTableSpec[];
  private readonly monthsAhead: number;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<MaintenanceReport | null> | null = null;
  private detection: TimeSeriesDetection | null = null;

  constructor(
    dataSource: DataSource,
    options: TimeSeriesOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.manager = partitionManagerFor(dataSource);
    this.specs = resolvedSpecs(options);
    this.monthsAhead = options.monthsAhead ?? DEFAULT_MONTHS_AHEAD;
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    if (!Number.isSafeInteger(this.monthsAhead) || this.monthsAhead < 0) throw new RangeError(`time-series monthsAhead must be a whole number >= 0, got ${this.monthsAhead}`);
    if (!(this.intervalMs >= 1_000)) throw new RangeError(`time-series intervalMs must be at least 1000, got ${this.intervalMs}`);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  /** Detects the storage path, logs it, runs one pass, then schedules the next ones. */
  async start(): Promise<TimeSeriesDetection | null> {
    if (this.timer) return this.detection;
    try {
      this.detection = await this.manager.detect();
      this.logger.log(`time-series storage: ${this.detection.summary}`);
    } catch (err) {
      this.logger.error(`time-series storage: detection failed: ${(err as Error).message}`);
    }
    await this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
    return this.detection;
  }

  /** Stops the timer and waits for a pass in flight (the DataSource closes right after). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass now; overlapping calls share the pass in flight. Resolves null when the pass failed. */
  runOnce(): Promise<MaintenanceReport | null> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<MaintenanceReport | null> {
    try {
      // Detected again each pass: a table converted by a migration since start-up changes path.
      const report = await this.manager.maintain(this.specs, this.monthsAhead, this.now());
      if (report.created.length > 0) this.logger.log(`time-series partitions created: ${report.created.join(', ')}`);
      if (report.dropped.length > 0) this.logger.log(`time-series retention dropped: ${report.dropped.join(', ')}`);
      return report;
    } catch (err) {
      this.logger.error(`time-series maintenance failed: ${(err as Error).message}`);
      return null;
    }
  }
}
