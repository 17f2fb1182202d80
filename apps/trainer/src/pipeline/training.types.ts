export type FeatureDecision = 'confirmed' | 'tentative' | 'rejected';

export interface WindowResult {
  readonly index: number;
  readonly trainStart: number;
  readonly trainEnd: number;
  readonly testStart: number;
  readonly testEnd: number;
  readonly testFromTs: number;
  readonly testToTs: number;
  readonly ic: number;
  readonly rankIc: number;
  readonly hitRate: number;
  readonly sharpe: number;
  readonly trees: number;
}

export interface AggregateMetrics {
  readonly meanIc: number;
  readonly icStd: number;
  readonly icir: number;
  readonly tStat: number;
  readonly meanRankIc: number;
  readonly hitRate: number;
  readonly sharpe: number;
  readonly positiveShare: number;
}

export interface TransferComparison {
  readonly parentVersion: number;
  readonly window: { readonly fromTs: number; readonly toTs: number };
  readonly holdout: { readonly fromTs: number; readonly toTs: number };
  readonly warmStart: { readonly ic: number; readonly sharpe: number; readonly trees: number; readonly newTrees: number };
  readonly fromScratch: { readonly ic: number; readonly sharpe: number; readonly trees: number };
}

export interface InstrumentTrainingResult {
  readonly instrumentId: string;
  readonly modelName: string;
  readonly rows: number;
  readonly fromTs: number;
  readonly toTs: number;
  readonly featureNames: readonly string[];
  readonly selection: ReadonlyArray<{ name: string; decision: FeatureDecision; hits: number; medianImportance: number }>;
  readonly selectionRounds: number;
  readonly selected: readonly string[];
  readonly selectionNote: string | null;
  readonly windows: readonly WindowResult[];
  readonly aggregate: AggregateMetrics;
  readonly gates: { readonly promotable: boolean; readonly reasons: readonly string[] };
  readonly importances: ReadonlyArray<{ name: string; value: number }>;
  readonly oosEquity: ReadonlyArray<{ ts: number; strategy: number; buyHold: number }>;
  readonly model: { readonly version: number; readonly stage: string; readonly sha256: string; readonly trees: number; readonly artifactUri: string };
  readonly transfer: TransferComparison | null;
  readonly timings: Readonly<Record<string, number>>;
}

export interface TrainingRunResult {
  readonly startedAt: string;
  readonly source: string;
  readonly interval: string;
  readonly horizon: number;
  readonly config: Readonly<Record<string, unknown>>;
  readonly instruments: readonly InstrumentTrainingResult[];
  readonly seconds: number;
  readonly timings: Readonly<Record<string, number>>;
}
