import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BarValidator, fileSymbolOf, readBarCsv, readFundingCsv } from '@lib/data';
import { dvolFileName, featureSpecFor, readDvolCsv, toFeatureBar, toFundingPoint, type FeatureHistory, type FeatureSpec } from '@lib/ml';
import type { BarInterval, Instrument } from '@lib/model';

export interface InstrumentHistory {
  readonly instrument: Instrument;
  readonly spec: FeatureSpec;
  readonly history: FeatureHistory;
  readonly fundingSource: string | null;
}

async function loadBars(dataDir: string, source: string, interval: BarInterval, instrument: Instrument) {
  const path = join(dataDir, `${source}_${fileSymbolOf(instrument)}_${interval}.csv`);
  const raw = await readBarCsv(path, { instrumentId: instrument.id, interval, source });
  const validator = BarValidator.forInstruments([instrument]);
  const bars = [];
  for (const candidate of raw) {
    const verdict = validator.check(candidate);
    if (!verdict.ok) throw new Error(`${path}: line ${verdict.line ?? '?'} rejected (${verdict.reason}: ${verdict.detail}); fix the data before training`);
    bars.push(toFeatureBar(verdict.bar));
  }
  return bars;
}

/**
 * Everything the features of one instrument need, as the live system would receive it: its
 * bars, the BTC bars (cross-asset), the DVOL index and the venue's funding history. Funding is
 * venue data: it comes from the `{fundingSource}` files (Bybit) whatever the bar source is.
 */
export async function loadTrainingHistory(
  dataDir: string,
  source: string,
  interval: BarInterval,
  instrument: Instrument,
  btc: Instrument,
  fundingSource = 'bybit',
): Promise<InstrumentHistory> {
  const spec = featureSpecFor(instrument.base);
  const bars = await loadBars(dataDir, source, interval, instrument);
  const btcBars = spec.crossAsset ? await loadBars(dataDir, source, interval, btc) : undefined;
  const dvol = await readDvolCsv(join(dataDir, dvolFileName(spec.dvolIndex)));
  const fundingPath = join(dataDir, `${fundingSource}_${fileSymbolOf(instrument)}_funding_8h.csv`);
  let funding: FeatureHistory['funding'] = [];
  let usedFunding: string | null = null;
  if (existsSync(fundingPath)) {
    const parsed = await readFundingCsv(fundingPath, instrument.id, fundingSource);
    if (parsed.rejections.length > 0) throw new Error(`${fundingPath}: ${parsed.rejections.length} funding rows rejected`);
    funding = parsed.rows.map((r) => toFundingPoint(r.rate));
    usedFunding = fundingSource;
  }
  return { instrument, spec, history: { bars, ...(btcBars ? { btcBars } : {}), dvol, funding }, fundingSource: usedFunding };
}
