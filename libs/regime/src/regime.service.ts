import { Inject, Injectable, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { Clock, MessageBus, Stage } from '@lib/kernel';
import { BarClosedEvent, RegimeChangedEvent, type Bar, type InstrumentId, type RegimeName } from '@lib/model';
import type { RegimeLabel } from './labels.js';
import { OnlineRegimeTracker, type OnlineRegimeTrackerConfig, type RegimeReading } from './online-regime-tracker.js';

export interface RegimeServiceConfig {
  /** When false no tracker runs and every instrument reads as not fitted ('Unknown'). */
  readonly enabled: boolean;
  readonly tracker?: Partial<OnlineRegimeTrackerConfig>;
}

export const REGIME_SERVICE_CONFIG = Symbol('REGIME_SERVICE_CONFIG');

/** Risk appetite per regime, lowest first: the portfolio regime is the most cautious instrument's. */
const CAUTION: Record<RegimeLabel, number> = { Crisis: 0, Bear: 1, Neutral: 2, Bull: 3 };

const fmt = (x: number): string => (Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : '0');

/**
 * Online market regime per instrument, on the ordered bus at the ANALYTICS stage: after the
 * portfolio has marked a bar and before risk and strategies read the regime for it. Each
 * instrument's tracker fits GARCH + a 4-state HMM on the history it has seen and filters forward
 * bar by bar, so the reading at bar t never depends on a later bar. A change of the most likely
 * regime is stored as `regime.changed`.
 */
@Injectable()
export class RegimeService implements OnModuleInit {
  private readonly trackers = new Map<InstrumentId, { readonly tracker: OnlineRegimeTracker; reading: RegimeReading | null; label: RegimeName | null }>();

  constructor(
    private readonly bus: MessageBus,
    private readonly clock: Clock,
    @Inject(REGIME_SERVICE_CONFIG) private readonly config: RegimeServiceConfig,
  ) {}

  onModuleInit(): void {
    if (!this.config.enabled) return;
    this.bus.subscribe(BarClosedEvent, Stage.ANALYTICS, 'analytics.regime', (e) => this.onBar(e.bar));
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /** The latest reading of an instrument; undefined before its first bar or when disabled. */
  reading(instrumentId: InstrumentId): RegimeReading | undefined {
    return this.trackers.get(instrumentId)?.reading ?? undefined;
  }

  /** The most cautious fitted regime across instruments (Crisis < Bear < Neutral < Bull); null before any fit. */
  portfolioRegime(): RegimeLabel | null {
    let worst: RegimeLabel | null = null;
    for (const { reading } of this.trackers.values()) {
      const label = reading?.label ?? null;
      if (label !== null && (worst === null || CAUTION[label] < CAUTION[worst])) worst = label;
    }
    return worst;
  }

  /** Feeds a bar from before the run (warm-up): the tracker learns, nothing is published. */
  prime(bar: Bar): void {
    if (!this.config.enabled) return;
    const entry = this.entry(bar.instrumentId);
    entry.reading = entry.tracker.update(bar.tsClose, bar.close.toNumber());
    entry.label = entry.reading.label ?? 'Unknown';
  }

  private entry(instrumentId: InstrumentId) {
    let entry = this.trackers.get(instrumentId);
    if (!entry) {
      entry = { tracker: new OnlineRegimeTracker(this.config.tracker), reading: null, label: null };
      this.trackers.set(instrumentId, entry);
    }
    return entry;
  }

  private onBar(bar: Bar): void {
    const entry = this.entry(bar.instrumentId);
    const reading = entry.tracker.update(bar.tsClose, bar.close.toNumber());
    entry.reading = reading;
    const label: RegimeName = reading.label ?? 'Unknown';
    if (label === entry.label) return;
    const from = entry.label;
    entry.label = label;
    this.bus.publish(
      new RegimeChangedEvent({
        instrumentId: bar.instrumentId,
        from,
        to: label,
        probabilities: Array.from(reading.probabilities, fmt).join(','),
        modelVersion: reading.modelVersion,
        tsEvent: this.clock.now(),
      }),
    );
  }
}

@Module({})
export class RegimeModule {
  static forRoot(config: RegimeServiceConfig): DynamicModule {
    return {
      module: RegimeModule,
      global: true,
      providers: [{ provide: REGIME_SERVICE_CONFIG, useValue: config }, RegimeService],
      exports: [RegimeService],
    };
  }
}
