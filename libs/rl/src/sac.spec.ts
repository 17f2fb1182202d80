import { SeededRandom } from '@lib/ml';
import { ReplayBuffer, runSac, SacAgent, SacBatch, squashedGaussianLogProb, type RlEnvironment } from './sac.js';

/**
 * One-step contextual bandit: the context c ∈ {−1, +1} sits in observation[0] (the rest is noise);
 * reward −(a − 0.5·c)², so the optimal action is 0.5·c. Every step ends the episode (terminal).
 */
class ContextBandit implements RlEnvironment {
  readonly observationSize = 3;
  private readonly rng: SeededRandom;
  private context = 1;
  constructor(seed: number) {
    this.rng = new SeededRandom(seed);
  }
  private observe(): Float64Array {
    this.context = this.rng.next() < 0.5 ? -1 : 1;
    return Float64Array.of(this.context, this.rng.next() - 0.5, 0.25);
  }
  reset(): Float64Array {
    return this.observe();
  }
  step(action: number) {
    const reward = -((action - 0.5 * this.context) ** 2);
    return { observation: this.observe(), reward, done: true, terminal: true };
  }
}

const SMALL = {
  observationSize: 3,
  hiddenSizes: [16, 16],
  batchSize: 32,
  warmupSteps: 200,
  updateAfter: 200,
  rewardScale: 1,
  initialAlpha: 0.2,
  actorLearningRate: 3e-3,
  criticLearningRate: 3e-3,
  alphaLearningRate: 3e-3,
  bufferCapacity: 5000,
} as const;

function train(seed: number, steps: number, overrides: Partial<ConstructorParameters<typeof SacAgent>[0]> = {}): SacAgent {
  const agent = new SacAgent({ ...SMALL, seed, ...overrides });
  runSac(agent, new ContextBandit(seed + 100), steps);
  return agent;
}

describe('squashed Gaussian log-prob', () => {
  it('is a density on (−1, 1): ∫ π(a) da = 1 (the tanh correction is right)', () => {
    for (const [mean, logStd] of [
      [0, 0],
      [0.7, -0.5],
      [-1.5, 0.8],
    ] as const) {
      // integrate over a with the substitution a = tanh(u): da = (1 − a²) du
      let integral = 0;
      const du = 1e-3;
      for (let u = -20; u < 20; u += du) {
        const a = Math.tanh(u);
        integral += Math.exp(squashedGaussianLogProb(u, mean, logStd)) * (1 - a * a) * du;
      }
      expect(integral).toBeCloseTo(1, 4);
    }
  });

  it('without the correction it would not integrate to one', () => {
    let integral = 0;
    const du = 1e-3;
    for (let u = -20; u < 20; u += du) {
      const a = Math.tanh(u);
      const gaussianOnly = squashedGaussianLogProb(u, 0, 0) + Math.log(1 - a * a);
      integral += Math.exp(gaussianOnly) * (1 - a * a) * du;
    }
    expect(Math.abs(integral - 1)).toBeGreaterThan(0.1);
  });
});

describe('ReplayBuffer', () => {
  it('is a ring: keeps the newest `capacity` transitions, oldest first', () => {
    const buf = new ReplayBuffer(3, 2);
    for (let i = 0; i < 5; i++) buf.add({ observation: [i, -i], action: i / 10, reward: i, nextObservation: [i + 1, 0], terminal: i === 4 });
    expect(buf.size).toBe(3);
    expect([0, 1, 2].map((i) => buf.at(i).reward)).toEqual([2, 3, 4]);
    expect(buf.at(2).terminal).toBe(true);
    expect(Array.from(buf.at(0).observation)).toEqual([2, -2]);
    const batch = new SacBatch(50, 2);
    buf.sample(batch, new SeededRandom(1));
    expect(new Set(Array.from(batch.reward))).toEqual(new Set([2, 3, 4]));
    // the critic input is [obs, action]
    for (let b = 0; b < 50; b++) expect(batch.obsAction[b * 3 + 2]).toBeCloseTo(batch.reward[b]! / 10, 12);
  });
});

describe('SacAgent', () => {
  it('actor gradient matches finite differences of the actor loss (tanh-squash and log-prob terms)', () => {
    const agent = train(4, 400);
    const rng = new SeededRandom(9);
    const n = 8;
    const obs = Float64Array.from({ length: n * 3 }, () => rng.next() * 2 - 1);
    const eps = Float64Array.from({ length: n }, () => rng.next() * 4 - 2);
    agent.actorGradient(obs, n, eps);
    const net = agent.actor.network;
    const grads = Float64Array.from(net.grads);
    const h = 1e-6;
    let worst = 0;
    for (let i = 0; i < net.params.length; i += 7) {
      const keep = net.params[i]!;
      net.params[i] = keep + h;
      const up = agent.actorGradient(obs, n, eps).loss;
      net.params[i] = keep - h;
      const down = agent.actorGradient(obs, n, eps).loss;
      net.params[i] = keep;
      worst = Math.max(worst, Math.abs((up - down) / (2 * h) - grads[i]!));
    }
    expect(worst).toBeLessThan(1e-5);
  });

  it('learns the optimal action of a contextual bandit (a* = 0.5·context)', () => {
    const agent = train(1, 4000);
    const plus = agent.actor.deterministicAction([1, 0, 0.25]);
    const minus = agent.actor.deterministicAction([-1, 0, 0.25]);
    expect(plus).toBeGreaterThan(0.4);
    expect(plus).toBeLessThan(0.6);
    expect(minus).toBeGreaterThan(-0.6);
    expect(minus).toBeLessThan(-0.4);
    // the critics rank the optimal action above a bad one
    const [qGood] = agent.qValues([1, 0, 0.25], 0.5);
    const [qBad] = agent.qValues([1, 0, 0.25], -0.5);
    expect(qGood).toBeGreaterThan(qBad);
  });

  it('same seed ⇒ byte-identical weights; another seed ⇒ different', () => {
    const a = JSON.stringify(train(7, 600));
    const b = JSON.stringify(train(7, 600));
    const c = JSON.stringify(train(8, 600));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('α adapts towards the target entropy: falls when the policy is too random, rises when it is too certain', () => {
    const start = 0.2;
    const falling = train(2, 1500, { initialAlpha: start, targetEntropy: -3 });
    expect(falling.alpha).toBeLessThan(start * 0.8);
    // log 2 is the largest entropy a distribution on (−1, 1) can have: a target above it keeps raising α
    const rising = train(2, 1500, { initialAlpha: start, targetEntropy: 2 });
    expect(rising.alpha).toBeGreaterThan(start * 1.2);
  });

  it('target networks lag the online critics (Polyak τ)', () => {
    const agent = train(3, 500, { tau: 0.01 });
    const json = agent.toJSON();
    const diff = json.critic1.params.reduce((s, v, i) => s + Math.abs(v - json.target1.params[i]!), 0);
    expect(diff).toBeGreaterThan(0);
    expect(agent.updates).toBe(500 - 200 + 1);
  });

  it('rejects invalid configuration', () => {
    expect(() => new SacAgent({ gamma: 1 })).toThrow(RangeError);
    expect(() => new SacAgent({ batchSize: 0 })).toThrow(RangeError);
    expect(() => new SacAgent({ logStdMin: 1, logStdMax: 0 })).toThrow(RangeError);
  });
});
