/**
 * A small dense multi-layer perceptron in plain TypeScript (Float64Array, manual backprop, Adam).
 *
 * SAC on a 9-number observation needs networks of a few thousand weights, where a hand-written
 * loop is fast enough and keeps training bit-for-bit reproducible (no threads, no BLAS, one
 * summation order). Hidden layers use ReLU; the output layer is linear.
 *
 * Parameters live in ONE flat Float64Array (per layer: W as [out × in] row-major, then b), so Adam,
 * Polyak averaging, copying and serialisation are single loops over one array.
 */
import type { SeededRandom } from '@lib/ml';

/** Standard normal draw (Box–Muller) from a seeded generator. */
export function gaussian(rng: SeededRandom): number {
  const u = Math.max(rng.next(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

export interface MlpSpec {
  readonly inputSize: number;
  readonly hiddenSizes: readonly number[];
  readonly outputSize: number;
}

export interface MlpInitOptions {
  /**
   * Standard deviation multiplier of the output layer's Xavier init. Small values (e.g. 0.1) start
   * the policy near a zero mean and the critics near zero, which keeps early SAC updates tame.
   */
  readonly outputScale?: number;
}

export interface MlpJson {
  readonly sizes: number[];
  readonly params: number[];
}

export interface BackwardOptions {
  /** Accumulate the parameter gradients into `grads` (default true). */
  readonly paramGrads?: boolean;
  /** Compute the gradient with respect to the input (default true). */
  readonly inputGrad?: boolean;
}

export class Mlp {
  /** Layer widths: [input, hidden…, output]. */
  readonly sizes: readonly number[];
  readonly params: Float64Array;
  /** Gradient accumulator, same layout as `params`; cleared by {@link zeroGrad}. */
  readonly grads: Float64Array;
  private readonly wOffset: number[] = [];
  private readonly bOffset: number[] = [];
  /** acts[0] = input, acts[l] = output of layer l (post-ReLU for hidden layers). */
  private acts: Float64Array[] = [];
  /** Scratch for gradients flowing backwards, one per activation. */
  private deltas: Float64Array[] = [];
  private capacity = 0;
  private batch = 0;

  constructor(sizes: readonly number[], params?: Float64Array) {
    if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
      throw new RangeError(`Mlp: sizes must be ≥ 2 positive integers, got [${sizes.join(', ')}]`);
    }
    this.sizes = [...sizes];
    let n = 0;
    for (let l = 0; l < sizes.length - 1; l++) {
      this.wOffset.push(n);
      n += sizes[l]! * sizes[l + 1]!;
      this.bOffset.push(n);
      n += sizes[l + 1]!;
    }
    if (params !== undefined && params.length !== n) throw new RangeError(`Mlp: expected ${n} parameters, got ${params.length}`);
    this.params = params ?? new Float64Array(n);
    this.grads = new Float64Array(n);
  }

  /** He-normal hidden layers (suited to ReLU), Xavier-normal output layer, zero biases. */
  static create(spec: MlpSpec, rng: SeededRandom, options: MlpInitOptions = {}): Mlp {
    const sizes = [spec.inputSize, ...spec.hiddenSizes, spec.outputSize];
    const net = new Mlp(sizes);
    const layers = sizes.length - 1;
    for (let l = 0; l < layers; l++) {
      const fanIn = sizes[l]!;
      const fanOut = sizes[l + 1]!;
      const last = l === layers - 1;
      const std = last ? (options.outputScale ?? 1) * Math.sqrt(2 / (fanIn + fanOut)) : Math.sqrt(2 / fanIn);
      const w = net.wOffset[l]!;
      for (let i = 0; i < fanIn * fanOut; i++) net.params[w + i] = std * gaussian(rng);
    }
    return net;
  }

  get inputSize(): number {
    return this.sizes[0]!;
  }

  get outputSize(): number {
    return this.sizes[this.sizes.length - 1]!;
  }

  get parameterCount(): number {
    return this.params.length;
  }

  /** Offsets of layer l's weights ([out × in] row-major) and biases inside `params`. */
  layerOffsets(l: number): { weights: number; biases: number } {
    return { weights: this.wOffset[l]!, biases: this.bOffset[l]! };
  }

  private ensureCapacity(batch: number): void {
    if (batch <= this.capacity) return;
    this.capacity = batch;
    this.acts = this.sizes.map((s) => new Float64Array(batch * s));
    this.deltas = this.sizes.map((s) => new Float64Array(batch * s));
  }

  /**
   * Forward pass for `batch` rows (row-major, batch × inputSize). Caches the activations for
   * {@link backward}. Returns a view of an internal buffer (batch × outputSize), valid until the
   * next call: copy it if you need it longer.
   */
  forward(input: ArrayLike<number>, batch: number): Float64Array {
    const nIn0 = this.sizes[0]!;
    if (input.length < batch * nIn0) throw new RangeError(`Mlp.forward: need ${batch * nIn0} inputs, got ${input.length}`);
    this.ensureCapacity(batch);
    this.batch = batch;
    const a0 = this.acts[0]!;
    for (let i = 0; i < batch * nIn0; i++) a0[i] = input[i]!;
    const layers = this.sizes.length - 1;
    for (let l = 0; l < layers; l++) {
      denseForward(this.params, this.wOffset[l]!, this.bOffset[l]!, this.acts[l]!, this.acts[l + 1]!, batch, this.sizes[l]!, this.sizes[l + 1]!, l < layers - 1);
    }
    return this.acts[layers]!.subarray(0, batch * this.outputSize);
  }

  /**
   * Backward pass for the last {@link forward}: `gradOutput` is dLoss/dOutput (batch × outputSize).
   * Adds dLoss/dParams into `grads` and returns dLoss/dInput (a view of an internal buffer; stale
   * when `inputGrad` is false).
   */
  backward(gradOutput: ArrayLike<number>, options: BackwardOptions = {}): Float64Array {
    const paramGrads = options.paramGrads ?? true;
    const inputGrad = options.inputGrad ?? true;
    const batch = this.batch;
    const layers = this.sizes.length - 1;
    const top = this.deltas[layers]!;
    for (let i = 0; i < batch * this.outputSize; i++) top[i] = gradOutput[i]!;
    for (let l = layers - 1; l >= 0; l--) {
      const nIn = this.sizes[l]!;
      const nOut = this.sizes[l + 1]!;
      const d = this.deltas[l + 1]!;
      if (paramGrads) denseParamGrads(this.grads, this.wOffset[l]!, this.bOffset[l]!, this.acts[l]!, d, batch, nIn, nOut);
      if (l === 0 && !inputGrad) break;
      // acts[l] is a ReLU output for l ≥ 1: its gradient passes only where it is positive.
      denseInputGrads(this.params, this.wOffset[l]!, d, this.deltas[l]!, l > 0 ? this.acts[l]! : null, batch, nIn, nOut);
    }
    return this.deltas[0]!.subarray(0, batch * this.inputSize);
  }

  zeroGrad(): void {
    this.grads.fill(0);
  }

  /** Scales every accumulated gradient (e.g. by 1/batch). */
  scaleGrad(k: number): void {
    const g = this.grads;
    for (let i = 0; i < g.length; i++) g[i] = g[i]! * k;
  }

  /** Clips the gradient to a maximum global L2 norm; returns the norm before clipping. */
  clipGradNorm(maxNorm: number): number {
    const g = this.grads;
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
    const norm = Math.sqrt(s);
    if (norm > maxNorm && norm > 0) this.scaleGrad(maxNorm / norm);
    return norm;
  }

  /** Copies another network's parameters (same shape). */
  copyFrom(source: Mlp): void {
    this.assertSameShape(source);
    this.params.set(source.params);
  }

  /** Polyak averaging: θ ← (1 − τ)·θ + τ·θ_source (target networks track the online ones slowly). */
  softUpdate(source: Mlp, tau: number): void {
    this.assertSameShape(source);
    const p = this.params;
    const s = source.params;
    for (let i = 0; i < p.length; i++) p[i] = p[i]! + tau * (s[i]! - p[i]!);
  }

  clone(): Mlp {
    return new Mlp(this.sizes, Float64Array.from(this.params));
  }

  /** Exact round trip: JSON numbers keep every float64 bit. */
  toJSON(): MlpJson {
    return { sizes: [...this.sizes], params: Array.from(this.params) };
  }

  static fromJSON(json: MlpJson): Mlp {
    if (!Array.isArray(json?.sizes) || !Array.isArray(json?.params)) throw new TypeError('Mlp.fromJSON: expected { sizes, params }');
    if (!json.params.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new TypeError('Mlp.fromJSON: parameters must be finite numbers');
    return new Mlp(json.sizes, Float64Array.from(json.params));
  }

  private assertSameShape(other: Mlp): void {
    if (other.sizes.length !== this.sizes.length || other.sizes.some((s, i) => s !== this.sizes[i])) {
      throw new RangeError(`Mlp: shape mismatch [${this.sizes.join(', ')}] vs [${other.sizes.join(', ')}]`);
    }
  }
}

/*
 * Dense-layer kernels. Rows are processed four at a time (and, forward, outputs two at a time) so
 * each load feeds several multiply-adds (≈2–3× faster in V8); every output still sums its terms
 * in index order, so the result does not depend on the blocking.
 */

function denseForward(
  p: Float64Array, wOff: number, bOff: number, x: Float64Array, y: Float64Array,
  batch: number, nIn: number, nOut: number, relu: boolean,
): void {
  let b = 0;
  for (; b + 3 < batch; b += 4) {
    const x0 = b * nIn;
    const x1 = x0 + nIn;
    const x2 = x1 + nIn;
    const x3 = x2 + nIn;
    const y0 = b * nOut;
    let o = 0;
    // two outputs × four rows per pass: each input value loaded once for eight multiply-adds
    for (; o + 1 < nOut; o += 2) {
      const r0 = wOff + o * nIn;
      const r1 = r0 + nIn;
      let s00 = p[bOff + o]!;
      let s01 = s00;
      let s02 = s00;
      let s03 = s00;
      let s10 = p[bOff + o + 1]!;
      let s11 = s10;
      let s12 = s10;
      let s13 = s10;
      for (let i = 0; i < nIn; i++) {
        const w0 = p[r0 + i]!;
        const w1 = p[r1 + i]!;
        const a0 = x[x0 + i]!;
        const a1 = x[x1 + i]!;
        const a2 = x[x2 + i]!;
        const a3 = x[x3 + i]!;
        s00 += w0 * a0;
        s01 += w0 * a1;
        s02 += w0 * a2;
        s03 += w0 * a3;
        s10 += w1 * a0;
        s11 += w1 * a1;
        s12 += w1 * a2;
        s13 += w1 * a3;
      }
      if (relu) {
        s00 = s00 < 0 ? 0 : s00;
        s01 = s01 < 0 ? 0 : s01;
        s02 = s02 < 0 ? 0 : s02;
        s03 = s03 < 0 ? 0 : s03;
        s10 = s10 < 0 ? 0 : s10;
        s11 = s11 < 0 ? 0 : s11;
        s12 = s12 < 0 ? 0 : s12;
        s13 = s13 < 0 ? 0 : s13;
      }
      const yo = y0 + o;
      y[yo] = s00;
      y[yo + nOut] = s01;
      y[yo + 2 * nOut] = s02;
      y[yo + 3 * nOut] = s03;
      y[yo + 1] = s10;
      y[yo + 1 + nOut] = s11;
      y[yo + 1 + 2 * nOut] = s12;
      y[yo + 1 + 3 * nOut] = s13;
    }
    for (; o < nOut; o++) {
      const bias = p[bOff + o]!;
      let s0 = bias;
      let s1 = bias;
      let s2 = bias;
      let s3 = bias;
      const row = wOff + o * nIn;
      for (let i = 0; i < nIn; i++) {
        const w = p[row + i]!;
        s0 += w * x[x0 + i]!;
        s1 += w * x[x1 + i]!;
        s2 += w * x[x2 + i]!;
        s3 += w * x[x3 + i]!;
      }
      if (relu) {
        s0 = s0 < 0 ? 0 : s0;
        s1 = s1 < 0 ? 0 : s1;
        s2 = s2 < 0 ? 0 : s2;
        s3 = s3 < 0 ? 0 : s3;
      }
      y[y0 + o] = s0;
      y[y0 + nOut + o] = s1;
      y[y0 + 2 * nOut + o] = s2;
      y[y0 + 3 * nOut + o] = s3;
    }
  }
  for (; b < batch; b++) {
    const xOff = b * nIn;
    const yOff = b * nOut;
    for (let o = 0; o < nOut; o++) {
      let s = p[bOff + o]!;
      const row = wOff + o * nIn;
      for (let i = 0; i < nIn; i++) s += p[row + i]! * x[xOff + i]!;
      y[yOff + o] = relu && s < 0 ? 0 : s;
    }
  }
}

/** grads[W] += Σ_b d[b]ᵀ·x[b], grads[b] += Σ_b d[b]. */
function denseParamGrads(
  g: Float64Array, wOff: number, bOff: number, x: Float64Array, d: Float64Array,
  batch: number, nIn: number, nOut: number,
): void {
  let b = 0;
  for (; b + 3 < batch; b += 4) {
    const x0 = b * nIn;
    const x1 = x0 + nIn;
    const x2 = x1 + nIn;
    const x3 = x2 + nIn;
    const d0 = b * nOut;
    for (let o = 0; o < nOut; o++) {
      const e0 = d[d0 + o]!;
      const e1 = d[d0 + nOut + o]!;
      const e2 = d[d0 + 2 * nOut + o]!;
      const e3 = d[d0 + 3 * nOut + o]!;
      if (e0 === 0 && e1 === 0 && e2 === 0 && e3 === 0) continue;
      g[bOff + o] = g[bOff + o]! + e0 + e1 + e2 + e3;
      const row = wOff + o * nIn;
      for (let i = 0; i < nIn; i++) g[row + i] = g[row + i]! + e0 * x[x0 + i]! + e1 * x[x1 + i]! + e2 * x[x2 + i]! + e3 * x[x3 + i]!;
    }
  }
  for (; b < batch; b++) {
    const xOff = b * nIn;
    for (let o = 0; o < nOut; o++) {
      const e = d[b * nOut + o]!;
      if (e === 0) continue;
      g[bOff + o] = g[bOff + o]! + e;
      const row = wOff + o * nIn;
      for (let i = 0; i < nIn; i++) g[row + i] = g[row + i]! + e * x[xOff + i]!;
    }
  }
}

/** dIn[b] = W ᵀ·d[b], zeroed where the layer's input (a ReLU output) is not positive. */
function denseInputGrads(
  p: Float64Array, wOff: number, d: Float64Array, dIn: Float64Array, reluInput: Float64Array | null,
  batch: number, nIn: number, nOut: number,
): void {
  for (let b = 0; b < batch; b++) {
    const inOff = b * nIn;
    const dOff = b * nOut;
    for (let i = 0; i < nIn; i++) {
      if (reluInput !== null && reluInput[inOff + i]! <= 0) {
        dIn[inOff + i] = 0;
        continue;
      }
      let s = 0;
      for (let o = 0; o < nOut; o++) s += d[dOff + o]! * p[wOff + o * nIn + i]!;
      dIn[inOff + i] = s;
    }
  }
}

export interface AdamOptions {
  readonly learningRate: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

export interface AdamJson {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly t: number;
  readonly m: number[];
  readonly v: number[];
}

/** Adam (Kingma & Ba) with bias correction, over one flat parameter array. */
export class Adam {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(size: number, options: AdamOptions) {
    this.learningRate = options.learningRate;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** θ ← θ − lr · m̂ / (√v̂ + ε). */
  step(params: Float64Array, grads: ArrayLike<number>): void {
    if (params.length !== this.m.length || grads.length !== this.m.length) throw new RangeError('Adam.step: size mismatch');
    this.t++;
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    const lr = this.learningRate;
    const m = this.m;
    const v = this.v;
    for (let i = 0; i < params.length; i++) {
      const gi = grads[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * gi;
      v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
      params[i] = params[i]! - (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + eps);
    }
  }

  get steps(): number {
    return this.t;
  }

  toJSON(): AdamJson {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, t: this.t, m: Array.from(this.m), v: Array.from(this.v) };
  }

  static fromJSON(json: AdamJson): Adam {
    const adam = new Adam(json.m.length, json);
    adam.m.set(json.m);
    adam.v.set(json.v);
    adam.t = json.t;
    return adam;
  }
}
