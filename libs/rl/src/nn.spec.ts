import { SeededRandom } from '@lib/ml';
import { Adam, gaussian, Mlp } from './nn.js';

/** Loss = Σ w_k·out_k over the batch, so dLoss/dOut = w (a fixed random direction). */
function weightedLoss(net: Mlp, x: Float64Array, batch: number, w: Float64Array): number {
  const out = net.forward(x, batch);
  let s = 0;
  for (let i = 0; i < out.length; i++) s += out[i]! * w[i]!;
  return s;
}

function randomArray(n: number, rng: SeededRandom, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => scale * gaussian(rng));
}

describe('Mlp', () => {
  const rng = new SeededRandom(3);
  const net = Mlp.create({ inputSize: 5, hiddenSizes: [7, 6], outputSize: 3 }, rng);
  const batch = 4;
  const x = randomArray(batch * 5, rng);
  const w = randomArray(batch * 3, rng);

  it('backward matches central finite differences for every parameter and every input', () => {
    net.zeroGrad();
    net.forward(x, batch);
    const gIn = Float64Array.from(net.backward(w));
    const h = 1e-6;
    let worst = 0;
    for (let i = 0; i < net.params.length; i++) {
      const keep = net.params[i]!;
      net.params[i] = keep + h;
      const up = weightedLoss(net, x, batch, w);
      net.params[i] = keep - h;
      const down = weightedLoss(net, x, batch, w);
      net.params[i] = keep;
      const numeric = (up - down) / (2 * h);
      worst = Math.max(worst, Math.abs(numeric - net.grads[i]!) / Math.max(1, Math.abs(numeric)));
    }
    for (let i = 0; i < x.length; i++) {
      const keep = x[i]!;
      x[i] = keep + h;
      const up = weightedLoss(net, x, batch, w);
      x[i] = keep - h;
      const down = weightedLoss(net, x, batch, w);
      x[i] = keep;
      const numeric = (up - down) / (2 * h);
      worst = Math.max(worst, Math.abs(numeric - gIn[i]!) / Math.max(1, Math.abs(numeric)));
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('a wrong gradient would be caught: perturbing one weight changes the loss by grad·h', () => {
    net.zeroGrad();
    net.forward(x, batch);
    net.backward(w);
    const i = net.layerOffsets(1).weights + 3;
    const before = weightedLoss(net, x, batch, w);
    net.params[i] = net.params[i]! + 1e-4;
    const after = weightedLoss(net, x, batch, w);
    net.params[i] = net.params[i]! - 1e-4;
    expect((after - before) / 1e-4).toBeCloseTo(net.grads[i]!, 5);
  });

  it('backward without parameter gradients leaves grads untouched but still returns dLoss/dInput', () => {
    net.zeroGrad();
    net.forward(x, batch);
    const full = Float64Array.from(net.backward(w));
    const grads = Float64Array.from(net.grads);
    net.forward(x, batch);
    const inputOnly = Float64Array.from(net.backward(w, { paramGrads: false }));
    expect(Array.from(net.grads)).toEqual(Array.from(grads));
    expect(Array.from(inputOnly)).toEqual(Array.from(full));
  });

  it('same seed ⇒ identical init; He init has the right spread', () => {
    const a = Mlp.create({ inputSize: 9, hiddenSizes: [64, 64], outputSize: 2 }, new SeededRandom(11));
    const b = Mlp.create({ inputSize: 9, hiddenSizes: [64, 64], outputSize: 2 }, new SeededRandom(11));
    const c = Mlp.create({ inputSize: 9, hiddenSizes: [64, 64], outputSize: 2 }, new SeededRandom(12));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
    const { weights, biases } = a.layerOffsets(1);
    const w1 = a.params.subarray(weights, biases);
    const sd = Math.sqrt(w1.reduce((s, v) => s + v * v, 0) / w1.length);
    expect(sd).toBeGreaterThan(Math.sqrt(2 / 64) * 0.9);
    expect(sd).toBeLessThan(Math.sqrt(2 / 64) * 1.1);
  });

  it('JSON round trip is exact and rejects bad input', () => {
    const back = Mlp.fromJSON(JSON.parse(JSON.stringify(net.toJSON())));
    expect(Array.from(back.params)).toEqual(Array.from(net.params));
    expect(Array.from(back.forward(x, batch))).toEqual(Array.from(net.forward(x, batch)));
    expect(() => Mlp.fromJSON({ sizes: [2, 1], params: [1] })).toThrow(RangeError);
    expect(() => Mlp.fromJSON({ sizes: [2, 1], params: [1, Number.NaN, 0] })).toThrow(TypeError);
  });

  it('copyFrom and softUpdate (Polyak) move the target towards the source by τ', () => {
    const src = Mlp.create({ inputSize: 3, hiddenSizes: [4], outputSize: 1 }, new SeededRandom(1));
    const dst = Mlp.create({ inputSize: 3, hiddenSizes: [4], outputSize: 1 }, new SeededRandom(2));
    const before = Float64Array.from(dst.params);
    dst.softUpdate(src, 0.1);
    for (let i = 0; i < before.length; i++) expect(dst.params[i]).toBeCloseTo(0.9 * before[i]! + 0.1 * src.params[i]!, 14);
    dst.copyFrom(src);
    expect(Array.from(dst.params)).toEqual(Array.from(src.params));
    expect(() => dst.copyFrom(net)).toThrow(RangeError);
  });

  it('Adam fits a noisy non-linear regression (loss falls by > 90%)', () => {
    const r = new SeededRandom(5);
    const model = Mlp.create({ inputSize: 2, hiddenSizes: [16, 16], outputSize: 1 }, r);
    const adam = new Adam(model.parameterCount, { learningRate: 0.01 });
    const n = 64;
    const X = randomArray(n * 2, r);
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(X[2 * i]!) + 0.5 * X[2 * i + 1]! ** 2);
    const mse = (): number => {
      const out = model.forward(X, n);
      let s = 0;
      for (let i = 0; i < n; i++) s += (out[i]! - y[i]!) ** 2;
      return s / n;
    };
    const start = mse();
    const g = new Float64Array(n);
    for (let it = 0; it < 800; it++) {
      model.zeroGrad();
      const out = model.forward(X, n);
      for (let i = 0; i < n; i++) g[i] = (2 * (out[i]! - y[i]!)) / n;
      model.backward(g, { inputGrad: false });
      adam.step(model.params, model.grads);
    }
    expect(mse()).toBeLessThan(0.1 * start);
    const again = Adam.fromJSON(JSON.parse(JSON.stringify(adam.toJSON())));
    expect(again.steps).toBe(800);
  });

  it('clipGradNorm caps the global norm', () => {
    const m = Mlp.create({ inputSize: 2, hiddenSizes: [3], outputSize: 1 }, new SeededRandom(1));
    m.grads.fill(1);
    const norm = m.clipGradNorm(1);
    expect(norm).toBeCloseTo(Math.sqrt(m.parameterCount), 12);
    expect(Math.sqrt(m.grads.reduce((s, v) => s + v * v, 0))).toBeCloseTo(1, 12);
  });
});
