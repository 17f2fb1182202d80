import { join } from 'node:path';
import type { BarInterval, Instrument } from '@lib/model';
import { BarValidator } from '../validation/bar-validator.js';
import type { BarVerdict } from '../validation/bar-candidate.js';
import { BTC, ETH, SOL } from '../testing/instruments.js';
import { REAL_DATA_DIR, realDataLines } from '../testing/real-data.js';
import { BAR_CSV_HEADER, CsvFormatError, listMarketDataFiles, parseBarCsv, parseFundingCsv, parseMarketDataFileName, readBarCsv, readFundingCsv } from './market-data-csv.js';

const ALL = [BTC, ETH, SOL];
const symbolOf = (i: Instrument) => i.symbol.replace(/-PERP$/, '');

// Row counts from /work/shared/data/README.md.
const BAR_FILES: Array<[string, BarInterval, number]> = [
  ['binance', '4h', 7662],
  ['bybit', '4h', 3366],
  ['bybit', '1h', 13464],
];

describe('bar and funding CSV files', () => {
  it.each(BAR_FILES)('loads every real %s %s file with 0 rejections and %i rows', async (source, interval, rows) => {
    for (const instrument of ALL) {
      const candidates = await readBarCsv(join(REAL_DATA_DIR, `${source}_${symbolOf(instrument)}_${interval}.csv`), { instrumentId: instrument.id, interval, source });
      const validator = BarValidator.forInstruments(ALL);
      const verdicts = candidates.map((c) => validator.check(c));
      expect(verdicts.filter((v) => !v.ok)).toEqual([]);
      expect(verdicts.filter((v) => v.ok && v.gap !== null)).toHaveLength(0);
      expect(candidates).toHaveLength(rows);
      expect(candidates[0]!.line).toBe(2);
    }
  });

  it('loads every real funding file with 0 rejections and 1,682 rows, exactly', async () => {
    for (const instrument of ALL) {
      const funding = await readFundingCsv(join(REAL_DATA_DIR, `bybit_${symbolOf(instrument)}_funding_8h.csv`), instrument.id, 'bybit');
      expect(funding.rejections).toEqual([]);
      expect(funding.rows).toHaveLength(1682);
      expect(funding.rows.every((r) => r.rate.ts % (8 * 3_600_000) === 0)).toBe(true);
    }
    const btc = await readFundingCsv(join(REAL_DATA_DIR, 'bybit_BTCUSDT_funding_8h.csv'), BTC.id, 'bybit');
    // last line: 1751299200000,-0.00000929
    expect(btc.rows.at(-1)!.rate).toEqual({ instrumentId: BTC.id, ts: 1751299200000, rateRaw: -9290n });
  });

  it('turns a malformed line into a rejection with its line number and keeps the rest of the file', () => {
    const lines = realDataLines('binance_BTCUSDT_4h.csv').slice(0, 5);
    const broken = lines[2]!.split(',').slice(0, 4).join(','); // close and volume cut off
    const text = [BAR_CSV_HEADER, lines[0], lines[1], broken, lines[3], '', lines[4], ''].join('\r\n');
    const candidates = parseBarCsv(text, { instrumentId: BTC.id, interval: '4h', source: 'binance' });
    const validator = BarValidator.forInstruments([BTC]);
    const verdicts: BarVerdict[] = candidates.map((c) => validator.check(c));
    expect(verdicts.map((v) => (v.ok ? 'ok' : `${v.reason}@${v.line}`))).toEqual(['ok', 'ok', 'BAR.MALFORMED@4', 'ok', 'ok']);
    // the blank line 6 is skipped but counted: the last row is line 7; and the missing bar is a gap, not a rejection
    expect(candidates.at(-1)!.line).toBe(7);
    const afterBroken = verdicts[3]!;
    expect(afterBroken.ok && afterBroken.gap?.missingBars).toBe(1);
  });

  it('refuses a file that is not in this format at all', () => {
    expect(() => parseBarCsv('time,o,h,l,c,v\n1,2,3,4,5,6\n', { instrumentId: BTC.id, interval: '4h', source: 'x' })).toThrow(CsvFormatError);
    expect(() => parseBarCsv('', { instrumentId: BTC.id, interval: '4h', source: 'x' })).toThrow(/empty file/);
  });

  it('reports bad funding lines with their line numbers', () => {
    const text = 'timestamp,funding_rate\n1702886400000,0.0001\n1702915200000,abc\n1702915200000\n1702886400000,0.0001\n1702944000000,-0.00000929\n';
    const parsed = parseFundingCsv(text, BTC.id, 'bybit');
    expect(parsed.rows.map((r) => r.rate.rateRaw)).toEqual([100_000n, -9_290n]);
    expect(parsed.rejections.map((r) => `${r.reason}@${r.line}`)).toEqual(['FUNDING.NOT_A_NUMBER@3', 'FUNDING.MALFORMED@4', 'FUNDING.DUPLICATE@5']);
  });

  it('recognises data file names and nothing else', async () => {
    expect(parseMarketDataFileName('bybit_BTCUSDT_1h.csv')).toEqual({ kind: 'bars', name: 'bybit_BTCUSDT_1h.csv', source: 'bybit', symbol: 'BTCUSDT', interval: '1h' });
    expect(parseMarketDataFileName('bybit_SOLUSDT_funding_8h.csv')).toMatchObject({ kind: 'funding', source: 'bybit', symbol: 'SOLUSDT' });
    expect(parseMarketDataFileName('deribit_DVOL_BTC_1d.csv')).toBeNull();
    expect(parseMarketDataFileName('bybit_BTCUSDT_3h.csv')).toBeNull();
    const { files, unrecognised } = await listMarketDataFiles(REAL_DATA_DIR);
    expect(files).toHaveLength(12);
    expect(unrecognised).toEqual(['deribit_DVOL_BTC_1d.csv', 'deribit_DVOL_ETH_1d.csv']);
  });

  it('loads and validates the three Bybit 1h files', async () => {
    let accepted = 0;
    for (const instrument of ALL) {
      const candidates = await readBarCsv(join(REAL_DATA_DIR, `bybit_${symbolOf(instrument)}_1h.csv`), { instrumentId: instrument.id, interval: '1h', source: 'bybit' });
      const validator = BarValidator.forInstruments([instrument]);
      for (const c of candidates) if (validator.check(c).ok) accepted++;
    }
    expect(accepted).toBe(3 * 13464);
  });
});
