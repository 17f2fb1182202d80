import { dvolKnownAt, type DvolCandle, type DvolIndex, type FundingPoint } from '@lib/ml';

/**
 * The non-bar inputs of the features (DVOL days, funding settlements), handed to the feature
 * pipeline exactly as the trainer's replay does: each item once, at the first bar close at or
 * after the moment it became known. Nothing later is ever visible.
 */
export class MarketContextCursor {
  private dvolAt = 0;
  private fundingAt = 0;

  constructor(
    private readonly dvol: readonly DvolCandle[],
    private readonly funding: readonly FundingPoint[],
  ) {}

  /** DVOL candles closed and funding settled since the previous call, up to `tsClose`. */
  advanceTo(tsClose: number): { dvol: DvolCandle[]; funding: FundingPoint[] } {
    const dvol: DvolCandle[] = [];
    while (this.dvolAt < this.dvol.length && dvolKnownAt(this.dvol[this.dvolAt]!) <= tsClose) dvol.push(this.dvol[this.dvolAt++]!);
    const funding: FundingPoint[] = [];
    while (this.fundingAt < this.funding.length && this.funding[this.fundingAt]!.ts <= tsClose) funding.push(this.funding[this.fundingAt++]!);
    return { dvol, funding };
  }
}

export interface MarketContextData {
  readonly dvol: ReadonlyMap<DvolIndex, readonly DvolCandle[]>;
  /** Funding per instrument id. */
  readonly funding: ReadonlyMap<string, readonly FundingPoint[]>;
}
