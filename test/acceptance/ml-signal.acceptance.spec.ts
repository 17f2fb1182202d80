/** @jest-environment ./libs/ml/src/onnx/onnxruntime-jest-environment.cjs */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { DEFAULTS, loadConfig, type TraderConfig } from '@config';
import { LocalArtifactStore, ModelRegistry, type ModelRegistryStore, type ModelVersion, type StageTransition } from '@lib/ml';
import { instrumentFromSpec, type Instrument } from '@lib/model';
import { DEFAULT_SIZING_ENV_CONFIG, DEFAULT_WALK_FORWARD_CONFIG, SMALL_CURRICULUM_CONFIG, type CurriculumConfig } from '@lib/rl';
import { MODEL_REGISTRY_STORE, PersistenceModule, SqlDecisionRecordRepository, SqlPredictionRepository, type DecisionRecord } from '@lib/persistence';
import { TradingMetrics } from '../../apps/trader/src/metrics/trading-metrics.js';
import { runTraining } from '../../apps/trainer/src/pipeline/run-training.js';
import { runSacTraining } from '../../apps/trainer/src/sac/sac-training.js';
import { DEFAULT_TRAINING_CONFIG, type TrainingConfig } from '../../apps/trainer/src/pipeline/training-pipeline.js';
import type { InstrumentTrainingResult } from '../../apps/trainer/src/pipeline/training.types.js';
import { DATA_DIR, tempSqlite } from '../support/databases.js';
import { readRunEvents } from '../support/read-events.js';
import { runBacktest, type TestRun } from '../support/run-backtest.js';

/**
 * The ML serving path end to end on real data (Binance 4h BTC):
 *   trainer (reduced but real config) → ONNX artifact + SQL registry → gates decide the stage;
 *   then a promoted version of that same artifact → the trader's ML strategy through the real
 *   strategy factory and four-tier loader → backtest, replay, determinism;
 *   then the fallback tiers: corrupt artifact → CACHED, no cache either → FLAT.
 *
 * The walk-forward gates are expected to fail on this data (the signal is weak): the test
 * asserts whatever verdict the trainer stored, and never promotes the trained version itself.
 * The promoted v2 is an explicit test fixture that only exercises serving; its backtest window
 * (2024-H1) lies inside the final model's training range, so its P&L means nothing.
 */

const INSTRUMENT = 'BTCUSDT-PERP.BYBIT';
const MODEL = 'signal-BTCUSDT-PERP';
const FIXTURE_REASON = 'test fixture: exercises the serving path only, not a validated model';
/**
 * Reduced but real: every stage runs on the full history, with fewer walk-forward windows and
 * Boruta rounds. 12 windows / 20 rounds rather than e.g. 6 / 15 because with the latter the final
 * fit keeps no tree (early stopping finds none that beats the mean), so the served model would be
 * a constant and the test could not show that the features reach it.
 */
const TRAINING: TrainingConfig = {
  ...DEFAULT_TRAINING_CONFIG,
  windows: 12,
  boruta: { ...DEFAULT_TRAINING_CONFIG.boruta, maxRounds: 20 },
};
const REQUEST = { from: Date.parse('2024-01-01T00:00:00Z'), to: Date.parse('2024-07-01T00:00:00Z'), instruments: [INSTRUMENT] };
const ML_STRATEGY = { strategy: { ...DEFAULTS.strategy, name: 'ml-signal' as const } };
const SAC_SMALL: CurriculumConfig = { ...SMALL_CURRICULUM_CONFIG, regimeFit: { restarts: 1, maxIter: 10 } };

interface Prediction {
  /** Bar close time (the event's tsEvent). */
  readonly ts: number;
  readonly model: string;
  readonly modelVersion: number | null;
  readonly tier: string;
  readonly prediction: string;
  readonly targetWeight: string;
}

interface Decision {
  readonly instrumentId: string;
  readonly prediction: string | null;
  readonly regime: string;
  readonly regimeProbabilities: string;
  readonly tier: string;
  readonly tierReason: string;
  readonly kellyFraction: string;
  readonly rlFraction: string | null;
  readonly rawFraction: string;
  readonly allocationLimit: string | null;
  readonly finalFraction: string;
  readonly cuts: string;
}

interface ServedRun {
  readonly run: TestRun;
  readonly predictions: Prediction[];
  readonly decisions: Decision[];
  /** The run's rows in the decision_records table (the queryable projection of sizing.decided). */
  readonly records: DecisionRecord[];
  /** Increase of tm_model_fallbacks_total for this model during the run, by tier. */
  readonly fallbacks: Record<string, number>;
}

async function fallbackCounts(): Promise<Record<string, number>> {
  const metric = await TradingMetrics.shared().modelFallbacks.get();
  const out: Record<string, number> = {};
  for (const v of metric.values) if (v.labels.model === MODEL) out[String(v.labels.tier)] = v.value;
  return out;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('acceptance: ML signal model, trained on Binance 4h BTC, served through the four tiers', () => {
  const store = tempSqlite();
  const scratch = mkdtempSync(join(tmpdir(), 'tm-ml-accept-'));
  const artifactDir = join(scratch, 'artifacts');
  const cacheDir = join(scratch, 'model-cache');
  const savedEnv = { TM_ARTIFACT_DIR: process.env.TM_ARTIFACT_DIR, TM_MODEL_CACHE_DIR: process.env.TM_MODEL_CACHE_DIR };

  let app: INestApplicationContext;
  let btc: Instrument;
  let registry: ModelRegistry;
  // after training
  let trained: InstrumentTrainingResult;
  let v1: ModelVersion;
  let v1History: StageTransition[];
  let v1ArtifactSha: string;
  let productionAfterTraining: ModelVersion | null;
  // after the fixture promotion
  let v2: ModelVersion;
  let productionAfterFixture: ModelVersion | null;
  let first: ServedRun;
  let second: ServedRun;
  let actorPath: string;
  let withRl: ServedRun;
  let cachedMeta: { name: string; version: number; sha256: string; features: string[] } | null = null;
  let cachedBytesSha: string | null = null;
  // fallbacks
  let artifactPath: string;
  let onCache: ServedRun;
  let previousAtFlat: ModelVersion | null;
  let flat: ServedRun;

  const serve = async (overrides: Partial<TraderConfig> = {}): Promise<ServedRun> => {
    const before = await fallbackCounts();
    const run = await runBacktest(store.url, REQUEST, { ...ML_STRATEGY, ...overrides });
    const after = await fallbackCounts();
    const fallbacks: Record<string, number> = {};
    for (const [tier, n] of Object.entries(after)) if (n !== (before[tier] ?? 0)) fallbacks[tier] = n - (before[tier] ?? 0);
    const events = await readRunEvents(store.url, run.outcome.summary.runId);
    const predictions = events.filter((e) => e.type === 'signal.predicted').map((e) => ({ ...(JSON.parse(e.payload) as Omit<Prediction, 'ts'>), ts: e.tsEvent }));
    const decisions = events.filter((e) => e.type === 'sizing.decided').map((e) => JSON.parse(e.payload) as Decision);
    const records = await app.get(SqlDecisionRecordRepository).read(INSTRUMENT, 0, Number.MAX_SAFE_INTEGER, { streamId: run.outcome.summary.runId });
    return { run, predictions, decisions, records, fallbacks };
  };

  beforeAll(async () => {
    process.env.TM_ARTIFACT_DIR = artifactDir;
    process.env.TM_MODEL_CACHE_DIR = cacheDir;
    app = await NestFactory.createApplicationContext(PersistenceModule.forRoot({ url: store.url }), { logger: false });
    registry = new ModelRegistry(app.get<ModelRegistryStore>(MODEL_REGISTRY_STORE));

    // 1. Train BTC only, into the temp registry and artifact folder the trader will read.
    const instruments = loadConfig({ DATABASE_URL: store.url }).instruments.map((spec) => instrumentFromSpec(spec));
    btc = instruments.find((i) => i.id === INSTRUMENT)!;
    const training = await runTraining({
      dataDir: DATA_DIR,
      source: 'binance',
      instruments: [btc],
      btc,
      config: TRAINING,
      stores: { registry, artifacts: new LocalArtifactStore(artifactDir) },
      log: () => undefined,
    });
    trained = training.instruments[0]!;
    v1 = await registry.get(MODEL, trained.model.version);
    v1History = await registry.history(MODEL, v1.version);
    v1ArtifactSha = sha256(readFileSync(fileURLToPath(v1.artifact.uri)));
    productionAfterTraining = await registry.production(MODEL);

    // 2. A second version of the very same artifact, promotable by fiat, to exercise serving.
    const draft = await registry.register(
      {
        name: v1.name,
        kind: v1.kind,
        params: v1.params,
        metrics: v1.metrics,
        dataRange: v1.dataRange,
        features: v1.features,
        selectedFeatures: v1.selectedFeatures,
        parent: null,
        artifact: v1.artifact,
        gates: { promotable: true, reasons: [FIXTURE_REASON] },
        tags: ['test-fixture'],
      },
      FIXTURE_REASON,
    );
    await registry.moveToStaging(MODEL, draft.version, FIXTURE_REASON);
    await registry.promote(MODEL, draft.version, FIXTURE_REASON);
    v2 = await registry.get(MODEL, draft.version);
    productionAfterFixture = await registry.production(MODEL);

    first = await serve();
    const cacheModelDir = join(cacheDir, MODEL);
    if (existsSync(join(cacheModelDir, 'model.json'))) {
      cachedMeta = JSON.parse(readFileSync(join(cacheModelDir, 'model.json'), 'utf8')) as typeof cachedMeta;
      cachedBytesSha = sha256(readFileSync(join(cacheModelDir, 'model.onnx')));
    }
    second = await serve();

    // 2b. A SAC sizer trained by the trainer (small curriculum), served by onnxruntime in the same run.
    // The tier thresholds are opened up so the RL tiers are reachable with this weak signal.
    const sac = await runSacTraining({
      dataDir: DATA_DIR, source: 'binance', instrument: btc, btc, seed: 3, maxFraction: 0.8,
      drawdownPenalty: DEFAULT_SIZING_ENV_CONFIG.drawdownPenalty, assumedFundingRate: 0.0001,
      curriculum: SAC_SMALL, walkForward: { ...DEFAULT_WALK_FORWARD_CONFIG, windows: 2, curriculum: SAC_SMALL },
      version: 'accept-1', forecast: { windows: 8 }, log: () => undefined,
    });
    actorPath = join(scratch, 'sac-actor.onnx');
    writeFileSync(actorPath, sac.onnx);
    withRl = await serve({ sizing: { ...DEFAULTS.sizing, rlPolicyPath: actorPath, lowIc: -1, fullIc: -1, lowConfidence: 0 } });

    // 3a. Corrupt the promoted artifact on disk: the loader must serve its cached copy.
    artifactPath = fileURLToPath(v2.artifact.uri);
    writeFileSync(artifactPath, 'corrupted: not an ONNX model');
    onCache = await serve();

    // 3b. No cache either, and no usable previous Production version: the strategy goes flat.
    rmSync(cacheDir, { recursive: true, force: true });
    previousAtFlat = await registry.previous(MODEL);
    flat = await serve();
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    store.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  describe('training', () => {
    it('registers the trained model with its walk-forward metrics, features and ONNX artifact', () => {
      expect(trained.instrumentId).toBe(INSTRUMENT);
      expect(trained.modelName).toBe(MODEL);
      expect(v1.version).toBe(1);
      expect(v1.kind).toBe('gbdt');
      expect(trained.windows.length).toBeGreaterThan(0);
      expect(trained.windows.length).toBeLessThanOrEqual(TRAINING.windows);
      expect(v1.metrics.windows).toBe(trained.windows.length);
      expect(v1.metrics.meanIc).toBeCloseTo(trained.aggregate.meanIc, 6);
      expect(v1.metrics.sharpe).toBeCloseTo(trained.aggregate.sharpe, 6);
      for (const key of ['icir', 'tStat', 'meanRankIc', 'hitRate']) expect(typeof v1.metrics[key]).toBe('number');
      expect(v1.params.horizon).toBe(TRAINING.horizon);
      expect(v1.dataRange.fromMs).toBe(trained.fromTs);
      expect(v1.dataRange.toMs).toBe(trained.toTs);
      expect(v1.features).toEqual(trained.featureNames);
      expect(v1.selectedFeatures).toEqual(trained.selected);
      expect(v1.selectedFeatures.length).toBeGreaterThanOrEqual(3);
      for (const f of v1.selectedFeatures) expect(v1.features).toContain(f);

      expect(v1.artifact.uri.startsWith(pathToFileURL(artifactDir).href + '/')).toBe(true);
      expect(v1.artifact.sha256).toBe(trained.model.sha256);
      expect(v1ArtifactSha).toBe(v1.artifact.sha256);
    });

    it('stores the gates verdict, and puts the version in Production only when the gates pass', () => {
      expect(v1.gates).toEqual(trained.gates);
      expect(v1.gates.reasons.length).toBeGreaterThan(0);
      const expectedPromotable = trained.aggregate.meanIc >= TRAINING.gates.minIc && trained.aggregate.sharpe > TRAINING.gates.minSharpe;
      expect(v1.gates.promotable).toBe(expectedPromotable);
      const actions = v1History.map((t) => `${t.action}:${t.to}`);
      if (v1.gates.promotable) {
        expect(trained.model.stage).toBe('Production');
        expect(productionAfterTraining?.version).toBe(v1.version);
        expect(actions).toEqual(['register:None', 'stage:Staging', 'promote:Production']);
      } else {
        // The real outcome on this data: a weak signal, so the model is staged and never served.
        expect(trained.model.stage).toBe('Staging');
        expect(productionAfterTraining).toBeNull();
        expect(actions).toEqual(['register:None', 'stage:Staging']);
        expect(v1.gates.reasons[0]).toMatch(/below the minimum|not above the minimum|not met/);
      }
    });
  });

  describe('serving the promoted fixture version (tier PRODUCTION)', () => {
    it('is a second version of the same artifact, promoted as a labelled test fixture', () => {
      expect(v2.version).toBe(v1.version + 1);
      expect(v2.artifact).toEqual(v1.artifact);
      expect(v2.selectedFeatures).toEqual(v1.selectedFeatures);
      expect(v2.gates).toEqual({ promotable: true, reasons: [FIXTURE_REASON] });
      expect(v2.tags).toEqual(['test-fixture']);
      expect(productionAfterFixture?.version).toBe(v2.version);
    });

    it('stores a signal.predicted event per evaluated bar, all from the Production version', () => {
      const { predictions } = first;
      expect(first.run.outcome.summary.strategy).toBe('ml-signal');
      expect(first.run.outcome.summary.instruments).toEqual([INSTRUMENT]);
      expect(predictions.length).toBeGreaterThan(100);
      expect(predictions.length).toBeLessThanOrEqual(first.run.outcome.summary.bars);
      for (const p of predictions) {
        expect(p.model).toBe(MODEL);
        expect(p.tier).toBe('PRODUCTION');
        expect(p.modelVersion).toBe(v2.version);
        expect(Number.isFinite(Number(p.prediction))).toBe(true);
      }
      expect(first.fallbacks).toEqual({});
    });

    it('stores the decision record of every bar: regime, tier, Kelly, allocation, final size and every cut', () => {
      const { decisions, predictions } = first;
      expect(decisions).toHaveLength(predictions.length);
      // The warm-up before 2024-01-01 fitted the regime model, so every record names a fitted regime.
      for (const d of decisions) {
        expect(['Bear', 'Neutral', 'Bull', 'Crisis']).toContain(d.regime);
        const p = d.regimeProbabilities.split(',').map(Number);
        expect(p).toHaveLength(4);
        expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      }
      expect(new Set(decisions.map((d) => d.regime)).size).toBeGreaterThan(1);
      // No RL policy is configured: Kelly by regime, or flat while the breaker is open.
      for (const d of decisions) expect(['PURE_KELLY', 'EMERGENCY_FLAT']).toContain(d.tier);
      expect(decisions.some((d) => d.tierReason === 'NO_RL_POLICY')).toBe(true);
      for (const d of decisions) {
        const final = Number(d.finalFraction);
        expect(Math.abs(final)).toBeLessThanOrEqual(DEFAULTS.sizing.maxFraction + 1e-12);
        if (d.allocationLimit !== null) expect(Math.abs(final)).toBeLessThanOrEqual(Number(d.allocationLimit) + 1e-9);
        if (d.tier === 'EMERGENCY_FLAT') expect(final).toBe(0);
        // any reduction from the tier's size is explained by a coded cut
        if (Math.abs(final) < Math.abs(Number(d.rawFraction)) - 1e-12) expect(d.cuts).not.toBe('');
        if (final !== 0) expect(Math.sign(final)).toBe(Math.sign(Number(d.prediction)));
      }
      // The hierarchical allocation bound the size at least once, and said so.
      expect(decisions.some((d) => d.allocationLimit !== null)).toBe(true);
      expect(decisions.some((d) => d.cuts.includes('REGIME_SCALE'))).toBe(true);
    });

    it('projects every decision record into the decision_records table, one row per sizing.decided event', () => {
      const { decisions, records } = first;
      expect(records).toHaveLength(decisions.length);
      records.forEach((r, i) => {
        const d = decisions[i]!;
        expect(r.instrumentId).toBe(INSTRUMENT);
        expect(r.tier).toBe(d.tier);
        expect(r.regime).toBe(d.regime);
        expect(r.finalFraction).toBe(Number(d.finalFraction));
        expect(r.reasonCodes.join(',')).toBe(d.cuts);
        expect(r.payload).toEqual(d);
      });
      expect(new Set(records.map((r) => r.ts)).size).toBe(records.length);
    });

    it('stores every prediction with the model input it was computed from (model_predictions)', async () => {
      const served = first.predictions.filter((p) => p.tier === 'PRODUCTION');
      expect(served.length).toBeGreaterThan(100);
      const version = served[0]!.modelVersion!;
      const stored = new Map((await app.get(SqlPredictionRepository).read(INSTRUMENT, 0, Number.MAX_SAFE_INTEGER, { modelName: MODEL, modelVersion: version })).map((r) => [r.ts, r]));
      const model = await registry.get(MODEL, version);
      for (const p of served) {
        const row = stored.get(p.ts);
        expect(row).toBeDefined();
        // the event holds the prediction to 12 significant digits
        expect(Math.abs(row!.prediction - Number(p.prediction))).toBeLessThanOrEqual(1e-11 * Math.max(1, Math.abs(row!.prediction)));
        expect(row!.features).toHaveLength((model.selectedFeatures ?? model.features).length);
      }
    });

    it('serves the trained SAC actor through onnxruntime: full RL and blended tiers, each with its RL fraction recorded', () => {
      const { decisions } = withRl;
      expect(decisions).toHaveLength(withRl.predictions.length);
      const tiers = new Set(decisions.map((d) => d.tier));
      expect(tiers).toContain('FULL_RL');
      expect(tiers).toContain('BLENDED');
      for (const d of decisions) {
        if (d.tier !== 'FULL_RL' && d.tier !== 'BLENDED') continue;
        const rl = Number(d.rlFraction);
        expect(d.rlFraction).not.toBeNull();
        expect(Math.abs(rl)).toBeLessThanOrEqual(0.8 + 1e-6); // the actor's own cap, from its ONNX metadata
        const expected = d.tier === 'FULL_RL' ? rl : 0.5 * rl + 0.5 * Number(d.kellyFraction);
        expect(Number(d.rawFraction)).toBeCloseTo(expected, 9);
      }
      // Without a policy the same bars would all be Kelly: the RL path changed the sizes.
      expect(decisions.some((d, i) => d.finalFraction !== first.decisions[i]?.finalFraction)).toBe(true);
      // Tier changes are stored as their own events, and the run replays.
      expect(withRl.run.replay.matches).toBe(true);
    });

    it('serves a model whose predictions follow the features, and trades on them', () => {
      const distinct = new Set(first.predictions.map((p) => p.prediction));
      const s = first.run.outcome.summary;
      if (trained.model.trees > 0) {
        // The training config is chosen so that the final fit keeps trees (with windows 6 and 15
        // Boruta rounds early stopping keeps none and the model is a constant).
        expect(distinct.size).toBeGreaterThan(1);
        expect(first.predictions.some((p) => Number(p.targetWeight) !== 0)).toBe(true);
        expect(s.orders).toBeGreaterThan(0);
        expect(s.fills).toBeGreaterThan(0);
      } else {
        // No tree survived early stopping: the model is its base score. (Whether it then trades
        // is not asserted: see the scale of MlSignalStrategy on a constant prediction history.)
        expect(distinct.size).toBe(1);
      }
    });

    it('caches the model it loaded, for the CACHED tier', () => {
      expect(cachedMeta).toEqual({ name: MODEL, version: v2.version, sha256: v2.artifact.sha256, features: [...v2.selectedFeatures] });
      expect(cachedBytesSha).toBe(v2.artifact.sha256);
    });

    it('replays to what it recorded, and two runs give the same event stream', () => {
      for (const { run } of [first, second]) {
        expect(run.replay.mismatches).toEqual([]);
        expect(run.replay.matches).toBe(true);
        expect(run.replay.eventStreamHash).toBe(run.outcome.summary.eventStreamHash);
      }
      expect(second.run.outcome.summary.runId).not.toBe(first.run.outcome.summary.runId);
      expect(second.run.outcome.summary.eventStreamHash).toMatch(/^[0-9a-f]{64}$/);
      expect(second.run.outcome.summary.eventStreamHash).toBe(first.run.outcome.summary.eventStreamHash);
      expect(second.run.outcome.summary.stateHash).toBe(first.run.outcome.summary.stateHash);
      expect(second.predictions).toEqual(first.predictions);
      expect(second.fallbacks).toEqual({});
    });
  });

  describe('fallback tiers through the real strategy factory', () => {
    it('serves the cached copy (tier CACHED) when the Production artifact is corrupt', () => {
      expect(sha256(readFileSync(artifactPath))).not.toBe(v2.artifact.sha256);
      const { predictions, run } = onCache;
      expect(predictions.length).toBe(first.predictions.length);
      for (const p of predictions) {
        expect(p.tier).toBe('CACHED');
        expect(p.modelVersion).toBe(v2.version);
      }
      // Same bytes, same inputs: the very same predictions and trades as from the registry.
      expect(predictions.map((p) => p.prediction)).toEqual(first.predictions.map((p) => p.prediction));
      expect(run.outcome.summary.orders).toBe(first.run.outcome.summary.orders);
      expect(run.outcome.summary.stateHash).toBe(first.run.outcome.summary.stateHash);
      expect(run.replay.matches).toBe(true);
      expect(onCache.fallbacks).toEqual({ CACHED: 1 });
    });

    it('goes flat (tier FLAT, no orders) when neither the artifact nor a cache is usable and there is no previous version', () => {
      if (v1.gates.promotable) {
        // v1 was Production before the fixture: it is the rollback target, but it shares the corrupt artifact.
        expect(previousAtFlat?.version).toBe(v1.version);
        expect(previousAtFlat?.artifact.uri).toBe(v2.artifact.uri);
      } else {
        // Only one version was ever promoted, so there is no rollback target: no PREVIOUS tier.
        expect(previousAtFlat).toBeNull();
      }
      expect(existsSync(cacheDir)).toBe(false);
      const { predictions, run } = flat;
      expect(predictions.length).toBe(first.predictions.length);
      for (const p of predictions) {
        expect(p.tier).toBe('FLAT');
        expect(p.modelVersion ?? null).toBeNull();
        expect(Number(p.prediction)).toBe(0);
        expect(Number(p.targetWeight)).toBe(0);
      }
      expect(run.outcome.summary.orders).toBe(0);
      expect(run.outcome.summary.fills).toBe(0);
      expect(run.outcome.summary.finalEquity).toBe(run.outcome.summary.initialCapital);
      expect(run.replay.matches).toBe(true);
      expect(flat.fallbacks).toEqual({ FLAT: 1 });
    });
  });
});
