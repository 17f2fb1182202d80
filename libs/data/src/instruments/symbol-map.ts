import type { Instrument, InstrumentId } from '@lib/model';

export class UnknownSymbolError extends Error {
  readonly code = 'DATA.UNKNOWN_SYMBOL';
  constructor(
    readonly symbol: string,
    readonly known: readonly string[],
  ) {
    super(`no configured instrument for file symbol '${symbol}'; known symbols: ${known.length > 0 ? known.join(', ') : '(none configured)'}`);
    this.name = 'UnknownSymbolError';
  }
}

const PERP_SUFFIX = '-PERP';

/** The symbol a data file uses for an instrument: `BTCUSDT-PERP.BYBIT` → `BTCUSDT`. */
export function fileSymbolOf(instrument: Pick<Instrument, 'symbol'>): string {
  return instrument.symbol.endsWith(PERP_SUFFIX) ? instrument.symbol.slice(0, -PERP_SUFFIX.length) : instrument.symbol;
}

/**
 * Maps the symbols of data files (`BTCUSDT`) to the configured instruments (`BTCUSDT-PERP.BYBIT`):
 * a match on the instrument symbol with `-PERP` stripped. Two instruments claiming the same file
 * symbol is a configuration error.
 */
export class SymbolMap {
  private readonly bySymbol = new Map<string, Instrument>();

  constructor(instruments: readonly Instrument[]) {
    for (const instrument of instruments) {
      const symbol = fileSymbolOf(instrument);
      const existing = this.bySymbol.get(symbol);
      if (existing && existing.id !== instrument.id) {
        throw new Error(`file symbol '${symbol}' is ambiguous: ${existing.id} and ${instrument.id}`);
      }
      this.bySymbol.set(symbol, instrument);
    }
  }

  /** The instrument of a file symbol; throws UnknownSymbolError listing the known symbols. */
  resolve(fileSymbol: string): Instrument {
    const found = this.find(fileSymbol);
    if (!found) throw new UnknownSymbolError(fileSymbol, this.symbols);
    return found;
  }

  find(fileSymbol: string): Instrument | undefined {
    return this.bySymbol.get(fileSymbol.toUpperCase());
  }

  fileSymbol(id: InstrumentId): string {
    for (const [symbol, instrument] of this.bySymbol) if (instrument.id === id) return symbol;
    throw new Error(`instrument ${id} is not in this symbol map; known: ${[...this.bySymbol.values()].map((i) => i.id).join(', ')}`);
  }

  get symbols(): string[] {
    return [...this.bySymbol.keys()].sort();
  }

  get instruments(): Instrument[] {
    return [...this.bySymbol.values()];
  }
}

/** One-shot form of SymbolMap.resolve. */
export function instrumentForSymbol(instruments: readonly Instrument[], fileSymbol: string): Instrument {
  return new SymbolMap(instruments).resolve(fileSymbol);
}
