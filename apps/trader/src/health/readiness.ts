/** What a dependency reports to readiness. `degraded` and `disabled` keep the trader ready; `down` does not. */
export type ReadinessStatus = 'up' | 'degraded' | 'down' | 'disabled';

export interface ReadinessReport {
  readonly status: ReadinessStatus;
  readonly details?: Record<string, unknown>;
}

/**
 * A dependency readiness asks about (Redis, say): the seam through which optional providers
 * join /health/ready and GET /status without the health module knowing them.
 */
export interface ReadinessSignal {
  /** Key in the readiness JSON, e.g. `redis`. */
  readonly name: string;
  check(): Promise<ReadinessReport>;
}

/** `ReadinessSignal[]`; TraderModule provides an empty array by default. */
export const READINESS_SIGNALS = Symbol('READINESS_SIGNALS');
