/** @jest-environment ./libs/ml/src/onnx/onnxruntime-jest-environment.cjs */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@config';
import { InMemoryModelRegistryStore, LocalArtifactStore, ModelRegistry } from '@lib/ml';
import { instrumentFromSpec } from '@lib/model';
import { buildSacObservation, DEFAULT_SIZING_ENV_CONFIG, DEFAULT_WALK_FORWARD_CONFIG, OnnxSacActor, POLICY_NAMES, SMALL_CURRICULUM_CONFIG, type CurriculumConfig } from '@lib/rl';
import { registerSacActor, sacGates } from './sac-registry.js';
import { renderSacReport } from './sac-report.js';
import { runSacTraining, type SacTrainingOutput } from './sac-training.js';

const dataDir = process.env['TM_DATA_DIR'] ?? fileURLToPath(new URL('../../../../../shared/data', import.meta.url));
const instruments = loadConfig({}).instruments.map((s) => instrumentFromSpec(s));
const btc = instruments.find((i) => i.base === 'BTC')!;

const small: CurriculumConfig = { ...SMALL_CURRICULUM_CONFIG, regimeFit: { restarts: 1, maxIter: 10 } };
let output: SacTrainingOutput;
const lines: string[] = [];
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tm-sac-train-'));
  output = await runSacTraining({
    dataDir,
    source: 'binance',
    instrument: btc,
    btc,
    seed: 3,
    maxFraction: 0.8,
    drawdownPenalty: DEFAULT_SIZING_ENV_CONFIG.drawdownPenalty,
    assumedFundingRate: 0.0001,
    curriculum: small,
    walkForward: { ...DEFAULT_WALK_FORWARD_CONFIG, windows: 2, curriculum: small },
    version: 'spec-1',
    forecast: { windows: 8 }, // the CLI uses the pipeline's 40; 8 keeps this spec fast
    log: (l) => lines.push(l),
  });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SAC sizer training run on real BTC data (small budget)', () => {
  it('uses an out-of-sample forecast, trains the curriculum and logs progress with rate and ETA', () => {
    const r = output.result;
    expect(r.data.bars).toBe(7662);
    // the first forecast comes after the first walk-forward training window + purge
    expect(r.data.firstForecastTs).toBeGreaterThan(r.data.fromTs + 1000 * 4 * 3_600_000);
    expect(Number.isFinite(r.data.forecastIc)).toBe(true);
    expect(r.curriculum.stages.map((s) => s.stage)).toEqual(['synthetic', 'calm', 'full']);
    expect(lines.some((l) => /steps\/s .*ETA/.test(l))).toBe(true);
    expect(r.regime.labels).toEqual(['Bear', 'Neutral', 'Bull', 'Crisis']);
  });

  it('exports an actor that onnxruntime loads, with its metadata and bounded output', async () => {
    const actor = await OnnxSacActor.load(output.onnx);
    expect(actor.version).toBe('spec-1');
    expect(actor.maxFraction).toBe(0.8);
    expect(actor.metadata.extra['instrument']).toBe('BTCUSDT-PERP.BYBIT');
    const f = await actor.fraction(buildSacObservation({ signal: 1, confidence: 0.5, regimeProbabilities: [0, 1, 0, 0], volatility: 0.01, position: 0, drawdown: 0 }));
    expect(Math.abs(f)).toBeLessThanOrEqual(0.8);
    await actor.dispose();
  });

  it('compares every policy out of sample and renders the report', () => {
    const wf = output.result.walkForward!;
    expect(wf.windows).toHaveLength(2);
    for (const p of POLICY_NAMES) expect(Number.isFinite(wf.aggregate[p].sharpe)).toBe(true);
    const html = renderSacReport(output.result);
    expect(html).toContain('<svg');
    expect(html).toContain('Kelly by regime');
    expect(html).toContain('Walk-forward comparison');
  });

  it('registers in the model registry as sizer-sac, promoted only when SAC beats pure Kelly', async () => {
    const registry = new ModelRegistry(new InMemoryModelRegistryStore());
    const artifacts = new LocalArtifactStore(dir);
    const r = await registerSacActor(output.result, output.onnx, { registry, artifacts });
    const gates = sacGates(output.result);
    expect(r.version).toBe(1);
    expect(r.stage).toBe(gates.promotable ? 'Production' : 'Staging');
    const stored = await registry.get('sizer-sac', 1);
    expect(stored.kind).toBe('sac');
    expect(stored.features).toEqual(['signal', 'confidence', 'pBear', 'pNeutral', 'pBull', 'pCrisis', 'volatility', 'position', 'drawdown']);
    const bytes = await artifacts.get(stored.artifact.uri, stored.artifact.sha256);
    expect(Buffer.from(bytes).equals(Buffer.from(output.onnx))).toBe(true);
    const wf = output.result.walkForward!;
    expect(gates.promotable).toBe(wf.aggregate['sac-tiered'].sharpe > wf.aggregate['kelly-regime'].sharpe && wf.aggregate['sac-tiered'].sharpe > 0);
  });
});
