import { EntitySchema } from 'typeorm';
import { INT64_AS_NUMBER } from './int64.transformer.js';

/** A row of `bars`: decimal strings exactly as received. */
export interface BarRow {
  instrumentId: string;
  interval: string;
  tsOpen: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  source: string;
}

export const BarEntity = new EntitySchema<BarRow>({
  name: 'Bar',
  tableName: 'bars',
  columns: {
    instrumentId: { name: 'instrument_id', type: 'text', primary: true, primaryKeyConstraintName: 'pk_bars' },
    interval: { type: 'text', primary: true, primaryKeyConstraintName: 'pk_bars' },
    tsOpen: { name: 'ts_open', type: 'bigint', primary: true, primaryKeyConstraintName: 'pk_bars', transformer: INT64_AS_NUMBER },
    open: { type: 'text' },
    high: { type: 'text' },
    low: { type: 'text' },
    close: { type: 'text' },
    volume: { type: 'text' },
    source: { type: 'text' },
  },
});

/** A row of `funding_rates`. */
export interface FundingRateRow {
  instrumentId: string;
  ts: number;
  rate: string;
  source: string;
}

export const FundingRateEntity = new EntitySchema<FundingRateRow>({
  name: 'FundingRate',
  tableName: 'funding_rates',
  columns: {
    instrumentId: { name: 'instrument_id', type: 'text', primary: true, primaryKeyConstraintName: 'pk_funding_rates' },
    ts: { type: 'bigint', primary: true, primaryKeyConstraintName: 'pk_funding_rates', transformer: INT64_AS_NUMBER },
    rate: { type: 'text' },
    source: { type: 'text' },
  },
});
