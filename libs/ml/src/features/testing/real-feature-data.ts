import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BarValidator, barFileName, fundingFileName, readBarCsv, readFundingCsv } from '@lib/data';
import { instrumentId } from '@lib/model';
import { dvolFileName, readDvolCsv } from '../dvol-csv.js';
import { toFeatureBar, toFundingPoint, type DvolCandle, type FeatureBar, type FundingPoint } from '../feature-inputs.js';
import type { FeatureHistory } from '../feature-history.js';
import { featureSpecFor, type FeatureSpec } from '../feature-spec.js';

/** The shared real data folder (../shared/data from the project root); never copied into the repo. */
export const REAL_DATA_DIR = process.env.TM_DATA_DIR ?? fileURLToPath(new URL('../../../../../../shared/data', import.meta.url));

export type RealBase = 'BTC' | 'ETH' | 'SOL';
export const REAL_BASES: readonly RealBase[] = ['BTC', 'ETH', 'SOL'];

const bars = new Map<RealBase, Promise<FeatureBar[]>>();
const funding = new Map<RealBase, Promise<FundingPoint[]>>();
const dvol = new Map<string, Promise<DvolCandle[]>>();

/** Binance 4h bars (2022-01 → 2025-06), parsed and validated by the data lib exactly as the catalog does. */
export function realBars(base: RealBase): Promise<FeatureBar[]> {
  let p = bars.get(base);
  if (!p) {
    p = (async () => {
      const id = `${base}USDT-PERP.BYBIT`;
      const raw = await readBarCsv(join(REAL_DATA_DIR, barFileName('binance', `${base}USDT`, '4h')), { instrumentId: id, interval: '4h', source: 'binance' });
      const validator = BarValidator.forInstruments([id]);
      return raw.map((r) => {
        const verdict = validator.check(r);
        if (!verdict.ok) throw new Error(`real data rejected: ${verdict.reason} ${verdict.detail}`);
        if (verdict.gap) throw new Error(`real data has a gap: ${JSON.stringify(verdict.gap)}`);
        return toFeatureBar(verdict.bar);
      });
    })();
    bars.set(base, p);
  }
  return p;
}

/** Bybit perpetual funding (2023-12-18 → 2025-06). */
export function realFunding(base: RealBase): Promise<FundingPoint[]> {
  let p = funding.get(base);
  if (!p) {
    p = (async () => {
      const csv = await readFundingCsv(join(REAL_DATA_DIR, fundingFileName('bybit', `${base}USDT`)), instrumentId(`${base}USDT-PERP.BYBIT`), 'bybit');
      if (csv.rejections.length > 0) throw new Error(`real funding rejected: ${JSON.stringify(csv.rejections[0])}`);
      return csv.rows.map((r) => toFundingPoint(r.rate));
    })();
    funding.set(base, p);
  }
  return p;
}

export function realDvol(index: FeatureSpec['dvolIndex']): Promise<DvolCandle[]> {
  let p = dvol.get(index);
  if (!p) {
    p = readDvolCsv(join(REAL_DATA_DIR, dvolFileName(index)));
    dvol.set(index, p);
  }
  return p;
}

/** The full recorded history for one instrument, with its spec. */
export async function realFeatureHistory(base: RealBase): Promise<{ spec: FeatureSpec; history: FeatureHistory }> {
  const spec = featureSpecFor(base);
  const [own, btc, candles, rates] = await Promise.all([realBars(base), realBars('BTC'), realDvol(spec.dvolIndex), realFunding(base)]);
  return { spec, history: { bars: own, btcBars: spec.crossAsset ? btc : undefined, dvol: candles, funding: rates } };
}
