/**
 * Soft actor-critic (Haarnoja et al. 2018, with the automatic temperature of the 2019 follow-up)
 * for a one-dimensional action in [-1, 1]:
 *
 * - policy: a Gaussian over u, squashed a = tanh(u); the actor MLP outputs the mean and a raw
 *   log-std that is softly bounded to [logStdMin, logStdMax];
 *   log π(a|s) = log N(u; μ, σ) − log(1 − tanh²u), the change-of-variables term computed as
 *   2·(log 2 − u − softplus(−2u)) so it never takes log(0);
 * - twin Q critics on (state, action) and their Polyak-averaged targets; the TD target uses the
 *   smaller target Q (against over-estimation) minus α·log π of the next action;
 * - α tuned by gradient descent on log α towards the target entropy (−1 = −action dim);
 * - a fixed-capacity ring replay buffer, uniform minibatches.
 *
 * Everything random draws from one SeededRandom, and all arithmetic is sequential float64, so a
 * seed fixes the trained weights bit for bit.
 */
import { SeededRandom } from '@lib/ml';
import { Adam, gaussian, Mlp, type MlpJson } from './nn.js';

export interface SacConfig {
  readonly observationSize: number;
  readonly hiddenSizes: readonly number[];
  readonly gamma: number;
  /** Polyak factor of the target critics. */
  readonly tau: number;
  readonly actorLearningRate: number;
  readonly criticLearningRate: number;
  readonly alphaLearningRate: number;
  readonly initialAlpha: number;
  /** Target policy entropy; −1 for a one-dimensional action. */
  readonly targetEntropy: number;
  readonly batchSize: number;
  readonly bufferCapacity: number;
  /** Multiplies every stored reward (per-bar log returns are ~1e-2; the critics learn better near 1). */
  readonly rewardScale: number;
  /** Uniformly random actions for the first steps, to fill the buffer with varied data. */
  readonly warmupSteps: number;
  /** No gradient updates before this many transitions are stored. */
  readonly updateAfter: number;
  readonly updatesPerStep: number;
  /** Global L2 gradient-norm clip per network per update. */
  readonly gradClipNorm: number;
  readonly logStdMin: number;
  readonly logStdMax: number;
  readonly seed: number;
}

export const DEFAULT_SAC_CONFIG: SacConfig = {
  observationSize: 9,
  hiddenSizes: [32, 32],
  gamma: 0.95,
  tau: 0.005,
  actorLearningRate: 3e-4,
  criticLearningRate: 1e-3,
  alphaLearningRate: 3e-4,
  initialAlpha: 0.1,
  targetEntropy: -1,
  batchSize: 64,
  bufferCapacity: 100_000,
  rewardScale: 100,
  warmupSteps: 1000,
  updateAfter: 1000,
  updatesPerStep: 1,
  gradClipNorm: 10,
  logStdMin: -5,
  logStdMax: 1,
  seed: 1,
};

/** One transition. `terminal` = the episode truly ended (no bootstrap); a time-limit cut is not terminal. */
export interface Transition {
  readonly observation: ArrayLike<number>;
  readonly action: number;
  readonly reward: number;
  readonly nextObservation: ArrayLike<number>;
  readonly terminal: boolean;
}

/** Fixed-capacity ring buffer of transitions; the oldest are overwritten once full. */
export class ReplayBuffer {
  private readonly obs: Float64Array;
  private readonly next: Float64Array;
  private readonly action: Float64Array;
  private readonly reward: Float64Array;
  private readonly terminal: Uint8Array;
  private head = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    readonly observationSize: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ReplayBuffer: capacity must be a positive integer, got ${capacity}`);
    this.obs = new Float64Array(capacity * observationSize);
    this.next = new Float64Array(capacity * observationSize);
    this.action = new Float64Array(capacity);
    this.reward = new Float64Array(capacity);
    this.terminal = new Uint8Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(t: Transition): void {
    const d = this.observationSize;
    const i = this.head;
    for (let k = 0; k < d; k++) {
      this.obs[i * d + k] = t.observation[k]!;
      this.next[i * d + k] = t.nextObservation[k]!;
    }
    this.action[i] = t.action;
    this.reward[i] = t.reward;
    this.terminal[i] = t.terminal ? 1 : 0;
    this.head = (i + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** Slot i of the buffer (0 = oldest stored) — for tests and inspection. */
  at(i: number): Transition {
    if (i < 0 || i >= this.count) throw new RangeError(`ReplayBuffer.at: ${i} outside 0..${this.count - 1}`);
    const slot = (this.head - this.count + i + this.capacity) % this.capacity;
    const d = this.observationSize;
    return {
      observation: this.obs.slice(slot * d, slot * d + d),
      action: this.action[slot]!,
      reward: this.reward[slot]!,
      nextObservation: this.next.slice(slot * d, slot * d + d),
      terminal: this.terminal[slot] === 1,
    };
  }

  /** Fills `out` with `out.size` uniformly drawn transitions (with replacement). */
  sample(out: SacBatch, rng: SeededRandom): void {
    if (this.count === 0) throw new Error('ReplayBuffer.sample: the buffer is empty');
    const d = this.observationSize;
    const sa = d + 1;
    for (let b = 0; b < out.size; b++) {
      const i = rng.int(this.count);
      for (let k = 0; k < d; k++) {
        out.obs[b * d + k] = this.obs[i * d + k]!;
        out.next[b * d + k] = this.next[i * d + k]!;
        out.obsAction[b * sa + k] = this.obs[i * d + k]!;
      }
      out.obsAction[b * sa + d] = this.action[i]!;
      out.reward[b] = this.reward[i]!;
      out.terminal[b] = this.terminal[i]!;
    }
  }
}

/** Preallocated minibatch (no allocation per update). */
export class SacBatch {
  readonly obs: Float64Array;
  readonly next: Float64Array;
  /** [obs, action] rows: the critics' input. */
  readonly obsAction: Float64Array;
  readonly reward: Float64Array;
  readonly terminal: Uint8Array;
  constructor(
    readonly size: number,
    observationSize: number,
  ) {
    this.obs = new Float64Array(size * observationSize);
    this.next = new Float64Array(size * observationSize);
    this.obsAction = new Float64Array(size * (observationSize + 1));
    this.reward = new Float64Array(size);
    this.terminal = new Uint8Array(size);
  }
}

export interface SacUpdateStats {
  readonly criticLoss: number;
  readonly actorLoss: number;
  readonly alpha: number;
  /** Mean −log π of the fresh actions: the policy's entropy estimate. */
  readonly entropy: number;
  readonly meanQ: number;
}

/** log(1 − tanh²u) computed without cancellation. */
function logOneMinusTanhSquared(u: number): number {
  const z = -2 * u;
  const softplus = z > 30 ? z : Math.log1p(Math.exp(z));
  return 2 * (Math.LN2 - u - softplus);
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** log π(a) for a = tanh(u), u ~ N(mean, exp(logStd)²): the Gaussian log-density minus log|da/du|. */
export function squashedGaussianLogProb(u: number, mean: number, logStd: number): number {
  const z = (u - mean) / Math.exp(logStd);
  return -0.5 * z * z - logStd - HALF_LOG_2PI - logOneMinusTanhSquared(u);
}

/** The policy network alone: what is deployed (deterministic action = tanh(mean)). */
export class SacActor {
  constructor(
    readonly network: Mlp,
    readonly logStdMin: number,
    readonly logStdMax: number,
  ) {
    if (network.outputSize !== 2) throw new RangeError(`SacActor: the network must output [mean, rawLogStd], got ${network.outputSize} outputs`);
  }

  get observationSize(): number {
    return this.network.inputSize;
  }

  /** Soft bound of the log-std: logStdMin + (max − min)·(tanh(raw) + 1)/2. */
  logStd(raw: number): number {
    return this.logStdMin + 0.5 * (this.logStdMax - this.logStdMin) * (Math.tanh(raw) + 1);
  }

  /** tanh(mean): the action served in production (and exported to ONNX). */
  deterministicAction(observation: ArrayLike<number>): number {
    return Math.tanh(this.network.forward(observation, 1)[0]!);
  }

  /** Deterministic actions for n rows (row-major). */
  deterministicActions(observations: ArrayLike<number>, n: number): Float64Array {
    const out = this.network.forward(observations, n);
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.tanh(out[2 * i]!);
    return a;
  }

  toJSON(): SacActorJson {
    return { network: this.network.toJSON(), logStdMin: this.logStdMin, logStdMax: this.logStdMax };
  }

  static fromJSON(json: SacActorJson): SacActor {
    return new SacActor(Mlp.fromJSON(json.network), json.logStdMin, json.logStdMax);
  }
}

export interface SacActorJson {
  readonly network: MlpJson;
  readonly logStdMin: number;
  readonly logStdMax: number;
}

export interface SacAgentJson {
  readonly config: SacConfig;
  readonly steps: number;
  readonly updates: number;
  readonly logAlpha: number;
  readonly actor: SacActorJson;
  readonly critic1: MlpJson;
  readonly critic2: MlpJson;
  readonly target1: MlpJson;
  readonly target2: MlpJson;
}

export class SacAgent {
  readonly config: SacConfig;
  readonly actor: SacActor;
  readonly buffer: ReplayBuffer;
  private readonly critic1: Mlp;
  private readonly critic2: Mlp;
  private readonly target1: Mlp;
  private readonly target2: Mlp;
  private readonly actorOpt: Adam;
  private readonly critic1Opt: Adam;
  private readonly critic2Opt: Adam;
  private readonly alphaOpt: Adam;
  private readonly logAlphaParam = new Float64Array(1);
  private readonly logAlphaGrad = new Float64Array(1);
  private readonly rng: SeededRandom;
  private readonly batch: SacBatch;
  // scratch, sized to the batch
  private readonly nextObsAction: Float64Array;
  private readonly actorObsAction: Float64Array;
  private readonly target: Float64Array;
  private readonly gradQ: Float64Array;
  private readonly gradQ2: Float64Array;
  private readonly gradActor: Float64Array;
  private readonly eps: Float64Array;
  private readonly act: Float64Array;
  private readonly logProb: Float64Array;
  private readonly sigmaEps: Float64Array;
  private readonly dLogStdDRaw: Float64Array;
  private readonly dQda: Float64Array;
  private stepCount = 0;
  private updateCount = 0;

  constructor(config: Partial<SacConfig> = {}) {
    const c: SacConfig = { ...DEFAULT_SAC_CONFIG, ...config };
    validateConfig(c);
    this.config = c;
    this.rng = new SeededRandom(c.seed);
    const init = this.rng.fork();
    const d = c.observationSize;
    this.actor = new SacActor(Mlp.create({ inputSize: d, hiddenSizes: c.hiddenSizes, outputSize: 2 }, init, { outputScale: 0.1 }), c.logStdMin, c.logStdMax);
    this.critic1 = Mlp.create({ inputSize: d + 1, hiddenSizes: c.hiddenSizes, outputSize: 1 }, init, { outputScale: 0.1 });
    this.critic2 = Mlp.create({ inputSize: d + 1, hiddenSizes: c.hiddenSizes, outputSize: 1 }, init, { outputScale: 0.1 });
    this.target1 = this.critic1.clone();
    this.target2 = this.critic2.clone();
    this.actorOpt = new Adam(this.actor.network.parameterCount, { learningRate: c.actorLearningRate });
    this.critic1Opt = new Adam(this.critic1.parameterCount, { learningRate: c.criticLearningRate });
    this.critic2Opt = new Adam(this.critic2.parameterCount, { learningRate: c.criticLearningRate });
    this.alphaOpt = new Adam(1, { learningRate: c.alphaLearningRate });
    this.logAlphaParam[0] = Math.log(c.initialAlpha);
    this.buffer = new ReplayBuffer(c.bufferCapacity, d);
    const B = c.batchSize;
    this.batch = new SacBatch(B, d);
    this.nextObsAction = new Float64Array(B * (d + 1));
    this.actorObsAction = new Float64Array(B * (d + 1));
    this.target = new Float64Array(B);
    this.gradQ = new Float64Array(B);
    this.gradQ2 = new Float64Array(B);
    this.gradActor = new Float64Array(B * 2);
    this.eps = new Float64Array(B);
    this.act = new Float64Array(B);
    this.logProb = new Float64Array(B);
    this.sigmaEps = new Float64Array(B);
    this.dLogStdDRaw = new Float64Array(B);
    this.dQda = new Float64Array(B);
  }

  get alpha(): number {
    return Math.exp(this.logAlphaParam[0]!);
  }

  /** Transitions observed so far. */
  get steps(): number {
    return this.stepCount;
  }

  get updates(): number {
    return this.updateCount;
  }

  /**
   * The action for an observation: uniform in [-1, 1] during warm-up, else a draw from the policy
   * (exploration), or tanh(mean) when `deterministic`.
   */
  selectAction(observation: ArrayLike<number>, deterministic = false): number {
    if (deterministic) return this.actor.deterministicAction(observation);
    if (this.stepCount < this.config.warmupSteps) return 2 * this.rng.next() - 1;
    const out = this.actor.network.forward(observation, 1);
    const sigma = Math.exp(this.actor.logStd(out[1]!));
    return Math.tanh(out[0]! + sigma * gaussian(this.rng));
  }

  /** Stores a transition (reward scaled by rewardScale) and runs the due gradient updates. */
  observe(t: Transition): SacUpdateStats | null {
    this.buffer.add({ ...t, reward: t.reward * this.config.rewardScale });
    this.stepCount++;
    if (this.stepCount < this.config.updateAfter || this.buffer.size < this.config.batchSize) return null;
    let stats: SacUpdateStats | null = null;
    for (let k = 0; k < this.config.updatesPerStep; k++) stats = this.update();
    return stats;
  }

  /** Per row of actor outputs: a = tanh(μ + σε) and log π(a|s) into scratch; ε drawn here unless given. */
  private sampleActions(actorOut: Float64Array, n: number, noise?: ArrayLike<number>): void {
    for (let b = 0; b < n; b++) {
      const mean = actorOut[2 * b]!;
      const raw = actorOut[2 * b + 1]!;
      const logStd = this.actor.logStd(raw);
      const sigma = Math.exp(logStd);
      const e = noise === undefined ? gaussian(this.rng) : noise[b]!;
      const u = mean + sigma * e;
      this.sigmaEps[b] = sigma * e;
      this.act[b] = Math.tanh(u);
      this.logProb[b] = squashedGaussianLogProb(u, mean, logStd);
      const th = Math.tanh(raw);
      this.dLogStdDRaw[b] = 0.5 * (this.actor.logStdMax - this.actor.logStdMin) * (1 - th * th);
    }
  }

  /** One SAC gradient step on a minibatch: both critics, the actor, α, then the targets. */
  update(): SacUpdateStats {
    const c = this.config;
    const B = c.batchSize;
    const d = c.observationSize;
    const sa = d + 1;
    const batch = this.batch;
    this.buffer.sample(batch, this.rng);
    const alpha = this.alpha;

    // TD target: y = r + γ(1 − terminal)(min Q'(s', a') − α log π(a'|s')), a' ~ π(·|s').
    const nextOut = this.actor.network.forward(batch.next, B);
    this.sampleActions(nextOut, B);
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < d; k++) this.nextObsAction[b * sa + k] = batch.next[b * d + k]!;
      this.nextObsAction[b * sa + d] = this.act[b]!;
    }
    const q1t = this.target1.forward(this.nextObsAction, B);
    for (let b = 0; b < B; b++) this.target[b] = q1t[b]!;
    const q2t = this.target2.forward(this.nextObsAction, B);
    for (let b = 0; b < B; b++) {
      const minQ = Math.min(this.target[b]!, q2t[b]!);
      const boot = batch.terminal[b] === 1 ? 0 : c.gamma * (minQ - alpha * this.logProb[b]!);
      this.target[b] = batch.reward[b]! + boot;
    }

    // Critics: mean squared TD error.
    let criticLoss = 0;
    let meanQ = 0;
    for (const [critic, opt] of [
      [this.critic1, this.critic1Opt],
      [this.critic2, this.critic2Opt],
    ] as const) {
      critic.zeroGrad();
      const q = critic.forward(batch.obsAction, B);
      for (let b = 0; b < B; b++) {
        const err = q[b]! - this.target[b]!;
        criticLoss += (err * err) / (2 * B);
        meanQ += q[b]! / (2 * B);
        this.gradQ[b] = (2 * err) / B;
      }
      critic.backward(this.gradQ, { inputGrad: false });
      critic.clipGradNorm(c.gradClipNorm);
      opt.step(critic.params, critic.grads);
    }

    // Actor: minimise E[α log π(a|s) − min_i Q_i(s, a)] with a = tanh(μ + σε) (reparameterised).
    for (let b = 0; b < B; b++) this.eps[b] = gaussian(this.rng);
    const { loss: actorLoss, entropy } = this.actorGradient(batch.obs, B, this.eps);
    const actorNet = this.actor.network;
    actorNet.clipGradNorm(c.gradClipNorm);
    this.actorOpt.step(actorNet.params, actorNet.grads);

    // Temperature: J(α) = E[−α (log π + H̄)] ⇒ dJ/dlogα = −α·E[log π + H̄]; stepping on log α keeps α > 0.
    this.logAlphaGrad[0] = -alpha * (-entropy + c.targetEntropy);
    this.alphaOpt.step(this.logAlphaParam, this.logAlphaGrad);

    this.target1.softUpdate(this.critic1, c.tau);
    this.target2.softUpdate(this.critic2, c.tau);
    this.updateCount++;
    return { criticLoss, actorLoss, alpha: this.alpha, entropy, meanQ };
  }

  /**
   * The actor loss mean(α log π(a|s) − min(Q1, Q2)(s, a)) for n observations and the given noise ε
   * (a = tanh(μ + σε)), with its gradient left in `actor.network.grads` (zeroed first). The critics'
   * weights get no gradient. Public so a spec can check it against finite differences.
   */
  actorGradient(observations: Float64Array, n: number, eps: ArrayLike<number>): { loss: number; entropy: number } {
    const d = this.config.observationSize;
    const sa = d + 1;
    if (n > this.config.batchSize) throw new RangeError(`actorGradient: at most batchSize (${this.config.batchSize}) rows`);
    const alpha = this.alpha;
    const actorNet = this.actor.network;
    actorNet.zeroGrad();
    const out = actorNet.forward(observations, n);
    this.sampleActions(out, n, eps);
    for (let b = 0; b < n; b++) {
      for (let k = 0; k < d; k++) this.actorObsAction[b * sa + k] = observations[b * d + k]!;
      this.actorObsAction[b * sa + d] = this.act[b]!;
    }
    const q1 = this.critic1.forward(this.actorObsAction, n);
    const q2 = this.critic2.forward(this.actorObsAction, n);
    // dQmin/da: each row's gradient goes through whichever critic is the smaller there.
    let loss = 0;
    for (let b = 0; b < n; b++) {
      const first = q1[b]! <= q2[b]!;
      this.gradQ[b] = first ? 1 : 0;
      this.gradQ2[b] = first ? 0 : 1;
      loss += (alpha * this.logProb[b]! - Math.min(q1[b]!, q2[b]!)) / n;
    }
    const g1 = this.critic1.backward(this.gradQ.subarray(0, n), { paramGrads: false });
    for (let b = 0; b < n; b++) this.dQda[b] = g1[b * sa + d]!;
    const g2 = this.critic2.backward(this.gradQ2.subarray(0, n), { paramGrads: false });
    let entropy = 0;
    for (let b = 0; b < n; b++) {
      if (this.gradQ2[b] === 1) this.dQda[b] = g2[b * sa + d]!;
      const a = this.act[b]!;
      const dQdu = this.dQda[b]! * (1 - a * a);
      // dlogπ/du = 2a (from −log(1 − tanh²u)); du/dμ = 1, du/dlogσ = σε; ∂logN/∂logσ = −1 at fixed ε.
      this.gradActor[2 * b] = (alpha * 2 * a - dQdu) / n;
      const dLdLogStd = alpha * (-1 + 2 * a * this.sigmaEps[b]!) - dQdu * this.sigmaEps[b]!;
      this.gradActor[2 * b + 1] = (dLdLogStd * this.dLogStdDRaw[b]!) / n;
      entropy -= this.logProb[b]! / n;
    }
    actorNet.backward(this.gradActor.subarray(0, 2 * n), { inputGrad: false });
    return { loss, entropy };
  }

  /** Q1 and Q2 of (observation, action): for tests and diagnostics. */
  qValues(observation: ArrayLike<number>, action: number): [number, number] {
    const x = Float64Array.from({ length: this.config.observationSize + 1 }, (_, i) => (i < this.config.observationSize ? observation[i]! : action));
    return [this.critic1.forward(x, 1)[0]!, this.critic2.forward(x, 1)[0]!];
  }

  /** Every weight and the temperature (not the optimiser moments or the buffer). */
  toJSON(): SacAgentJson {
    return {
      config: this.config,
      steps: this.stepCount,
      updates: this.updateCount,
      logAlpha: this.logAlphaParam[0]!,
      actor: this.actor.toJSON(),
      critic1: this.critic1.toJSON(),
      critic2: this.critic2.toJSON(),
      target1: this.target1.toJSON(),
      target2: this.target2.toJSON(),
    };
  }
}

function validateConfig(c: SacConfig): void {
  const positive = ['gamma', 'tau', 'actorLearningRate', 'criticLearningRate', 'alphaLearningRate', 'initialAlpha', 'rewardScale', 'gradClipNorm'] as const;
  for (const k of positive) if (!(Number.isFinite(c[k]) && c[k] > 0)) throw new RangeError(`SacConfig.${k} must be a positive number, got ${c[k]}`);
  if (c.gamma >= 1) throw new RangeError(`SacConfig.gamma must be < 1, got ${c.gamma}`);
  if (c.tau > 1) throw new RangeError(`SacConfig.tau must be ≤ 1, got ${c.tau}`);
  for (const k of ['batchSize', 'bufferCapacity', 'observationSize', 'updatesPerStep'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new RangeError(`SacConfig.${k} must be a positive integer, got ${c[k]}`);
  }
  for (const k of ['warmupSteps', 'updateAfter'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) throw new RangeError(`SacConfig.${k} must be a non-negative integer, got ${c[k]}`);
  }
  if (!(c.logStdMin < c.logStdMax)) throw new RangeError('SacConfig.logStdMin must be < logStdMax');
  if (!Number.isInteger(c.seed)) throw new RangeError(`SacConfig.seed must be an integer, got ${c.seed}`);
}

/** A reinforcement-learning environment with a scalar action in [-1, 1]. */
export interface RlEnvironment {
  readonly observationSize: number;
  /** Starts an episode; returns its first observation. */
  reset(): ArrayLike<number>;
  /** Applies the action; `terminal` = no bootstrap from `observation`, `done` = start a new episode. */
  step(action: number): { observation: ArrayLike<number>; reward: number; done: boolean; terminal: boolean };
}

export interface SacRunStats {
  readonly steps: number;
  readonly episodes: number;
  readonly meanReward: number;
  readonly last: SacUpdateStats | null;
}

/**
 * Runs `steps` environment steps with exploration, storing each transition and updating the agent.
 * `onStep(done)` is called after each step (progress reporting).
 */
export function runSac(agent: SacAgent, env: RlEnvironment, steps: number, onStep?: (done: number) => void): SacRunStats {
  let obs = Float64Array.from(env.reset());
  let episodes = 0;
  let rewardSum = 0;
  let last: SacUpdateStats | null = null;
  for (let i = 0; i < steps; i++) {
    const action = agent.selectAction(obs);
    const r = env.step(action);
    const next = Float64Array.from(r.observation);
    last = agent.observe({ observation: obs, action, reward: r.reward, nextObservation: next, terminal: r.terminal }) ?? last;
    rewardSum += r.reward;
    if (r.done) {
      episodes++;
      obs = Float64Array.from(env.reset());
    } else {
      obs = next;
    }
    onStep?.(i + 1);
  }
  return { steps, episodes, meanReward: steps > 0 ? rewardSum / steps : 0, last };
}
