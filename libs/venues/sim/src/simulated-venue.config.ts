import { FIXED_SCALAR, numberToRaw } from '@lib/model';

/** How the simulated venue fills orders. Numbers here are config; they become fixed point once, in `resolveSimulatedVenueConfig`. */
export interface SimulatedVenueConfig {
  /** Adverse slippage on every taker fill at a market-like price (market orders, triggered stops), in basis points. */
  readonly slippageBps: number;
  /** Largest share of a bar's volume the venue fills per instrument and bar (0.1 = 10%); null = no cap. */
  readonly volumeShareCap: number | null;
}

export const DEFAULT_SIMULATED_VENUE_CONFIG: SimulatedVenueConfig = Object.freeze({
  slippageBps: 2,
  volumeShareCap: null,
});

export class SimulatedVenueConfigError extends Error {
  constructor(
    readonly key: keyof SimulatedVenueConfig,
    message: string,
  ) {
    super(`simulated venue config '${key}': ${message}`);
    this.name = 'SimulatedVenueConfigError';
  }
}

/** The config in fixed point: basis points and the volume share as raw 10^9-scaled fractions. */
export interface ResolvedSimulatedVenueConfig {
  readonly slippageBpsRaw: bigint;
  readonly volumeShareCapRaw: bigint | null;
}

/** Validates and converts; a bad value fails at construction with the key and the reason. */
export function resolveSimulatedVenueConfig(partial: Partial<SimulatedVenueConfig> = {}): ResolvedSimulatedVenueConfig {
  const config: SimulatedVenueConfig = { ...DEFAULT_SIMULATED_VENUE_CONFIG, ...partial };
  const { slippageBps, volumeShareCap } = config;
  if (!Number.isFinite(slippageBps) || slippageBps < 0 || slippageBps >= 10_000) {
    throw new SimulatedVenueConfigError('slippageBps', `must be a number in [0, 10000), got ${slippageBps}`);
  }
  if (volumeShareCap !== null && (!Number.isFinite(volumeShareCap) || volumeShareCap <= 0 || volumeShareCap > 1)) {
    throw new SimulatedVenueConfigError('volumeShareCap', `must be null or a number in (0, 1], got ${volumeShareCap}`);
  }
  const volumeShareCapRaw = volumeShareCap === null ? null : numberToRaw(volumeShareCap, 9, 'DOWN');
  if (volumeShareCapRaw !== null && (volumeShareCapRaw <= 0n || volumeShareCapRaw > FIXED_SCALAR)) {
    throw new SimulatedVenueConfigError('volumeShareCap', `too small to represent with 9 decimals: ${volumeShareCap}`);
  }
  return { slippageBpsRaw: numberToRaw(slippageBps, 9, 'HALF_EVEN'), volumeShareCapRaw };
}
