/**
 * Registers a trained SAC actor in the model registry under `sizer-sac`: the ONNX bytes go to the
 * artifact store, the version to Staging, and to Production only when its walk-forward gate passes:
 * SAC with tiers must beat pure Kelly by regime on Sharpe, with a positive Sharpe, out of sample.
 */
import { modelArtifactKey, sha256Hex, type ArtifactStore, type GatesVerdict, type ModelRegistry } from '@lib/ml';
import type { JsonObject } from '@lib/model';
import { DEFAULT_SAC_CONFIG, SAC_OBSERVATION_NAMES } from '@lib/rl';
import type { SacTrainingResult } from './sac-training.js';

export function sacGates(result: SacTrainingResult): GatesVerdict {
  const wf = result.walkForward;
  if (wf === null) return { promotable: false, reasons: ['no walk-forward comparison was run'] };
  const sac = wf.aggregate['sac-tiered'].sharpe;
  const kelly = wf.aggregate['kelly-regime'].sharpe;
  const promotable = sac > kelly && sac > 0;
  if (promotable) return { promotable, reasons: [`walk-forward Sharpe of SAC with tiers ${sac.toFixed(3)} > pure Kelly ${kelly.toFixed(3)} and > 0`] };
  const reasons: string[] = [];
  if (!(sac > kelly)) reasons.push(`walk-forward Sharpe of SAC with tiers ${sac.toFixed(3)} ≤ pure Kelly ${kelly.toFixed(3)}`);
  if (!(sac > 0)) reasons.push(`walk-forward Sharpe of SAC with tiers ${sac.toFixed(3)} ≤ 0`);
  return { promotable, reasons };
}

const finite = (x: number): number | null => (Number.isFinite(x) ? Number(x.toFixed(6)) : null);

export async function registerSacActor(
  result: SacTrainingResult,
  onnx: Uint8Array,
  stores: { registry: ModelRegistry; artifacts: ArtifactStore },
): Promise<{ version: number; stage: string; gates: GatesVerdict }> {
  const name = result.modelName;
  const artifact = await stores.artifacts.put(modelArtifactKey(name, sha256Hex(onnx)), onnx);
  const gates = sacGates(result);
  const wf = result.walkForward;
  const metrics: Record<string, number | null> = {
    curriculumSteps: result.curriculum.steps,
    curriculumSeconds: finite(result.curriculum.seconds),
    forecastIc: finite(result.data.forecastIc),
  };
  if (wf) {
    for (const [policy, m] of Object.entries(wf.aggregate)) {
      metrics[`${policy}.sharpe`] = finite(m.sharpe);
      metrics[`${policy}.totalReturn`] = finite(m.totalReturn);
      metrics[`${policy}.maxDrawdown`] = finite(m.maxDrawdown);
    }
  }
  const params: JsonObject = {
    seed: result.seed,
    maxFraction: result.model.maxFraction,
    instrument: result.instrumentId,
    onnxVersion: result.model.version,
    steps: result.curriculum.steps,
    hiddenSizes: [...(result.curriculum.config.sac.hiddenSizes ?? DEFAULT_SAC_CONFIG.hiddenSizes)],
  };
  const v = await stores.registry.register(
    {
      name,
      kind: 'sac',
      params,
      metrics: Object.fromEntries(Object.entries(metrics).filter(([, x]) => x !== null)) as JsonObject,
      dataRange: { fromMs: result.curriculum.trainFromTs, toMs: result.curriculum.trainToTs },
      features: [...SAC_OBSERVATION_NAMES],
      artifact,
      gates,
    },
    'SAC sizer training',
  );
  await stores.registry.moveToStaging(name, v.version, 'walk-forward evaluated');
  if (gates.promotable) {
    await stores.registry.promote(name, v.version, 'beat pure Kelly out of sample');
    return { version: v.version, stage: 'Production', gates };
  }
  return { version: v.version, stage: 'Staging', gates };
}
