import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BAR_INTERVALS, Price, Quantity, instrumentFromSpec, isBarInterval, type Bar, type Instrument, type InstrumentSpec } from '@lib/model';
import { defaultInstrumentSpecs } from '@config';

/** The shared real data folder: $TM_DATA_DIR, or ../shared/data next to the repo; never copied into the repo. */
export const SHARED_DATA_DIR = process.env.TM_DATA_DIR ?? fileURLToPath(new URL('../../../shared/data/', import.meta.url));

export const FOUR_HOURS = BAR_INTERVALS['4h'];

/** The instrument the trader is configured with (config/instruments.json), by id. */
export function configuredInstrument(id: string): Instrument {
  const spec = (defaultInstrumentSpecs() as InstrumentSpec[]).find((s) => s.id === id);
  if (!spec) throw new Error(`no instrument ${id} in the default instrument config`);
  return instrumentFromSpec(spec);
}

/** Data lines (header dropped) of a file in the shared data folder. */
export function sharedDataLines(file: string): string[] {
  return readFileSync(join(SHARED_DATA_DIR, file), 'utf8').trim().split('\n').slice(1);
}

/**
 * The first `count` bars (all when omitted) of a real `{source}_{SYMBOL}_{interval}.csv` file, parsed as
 * decimals at the instrument's precision (never through binary floats); `tsClose = tsOpen + interval`.
 */
export function loadBars(file: string, instrument: Instrument, count?: number): Bar[] {
  const interval = /_([0-9]+[a-z])\.csv$/.exec(file)?.[1] ?? '';
  if (!isBarInterval(interval)) throw new Error(`cannot tell the bar interval of ${file}`);
  const length = BAR_INTERVALS[interval];
  const lines = sharedDataLines(file);
  return (count === undefined ? lines : lines.slice(0, count)).map((line) => {
    const [ts, open, high, low, close, volume] = line.split(',') as [string, string, string, string, string, string];
    const px = (text: string) => Price.parse(text, instrument.pricePrecision);
    return {
      instrumentId: instrument.id,
      interval,
      tsOpen: Number(ts),
      tsClose: Number(ts) + length,
      open: px(open),
      high: px(high),
      low: px(low),
      close: px(close),
      volume: Quantity.parse(volume, instrument.sizePrecision),
    };
  });
}
