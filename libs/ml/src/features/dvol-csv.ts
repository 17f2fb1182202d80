import { readFile } from 'node:fs/promises';
import { DAY_MS, type DvolCandle } from './feature-inputs.js';

export const DVOL_CSV_HEADER = 'timestamp,open,high,low,close';

/** The Deribit DVOL indices that exist (there is no SOL DVOL). */
export type DvolIndex = 'BTC' | 'ETH';

export const dvolFileName = (index: DvolIndex): string => `deribit_DVOL_${index}_1d.csv`;

export class DvolCsvError extends Error {
  constructor(
    readonly code: 'DVOL.BAD_HEADER' | 'DVOL.MALFORMED' | 'DVOL.NOT_A_NUMBER' | 'DVOL.MISALIGNED' | 'DVOL.OUT_OF_ORDER',
    message: string,
  ) {
    super(message);
    this.name = 'DvolCsvError';
  }
}

const INTEGER = /^-?\d+$/;

/**
 * Parses `deribit_DVOL_{BTC,ETH}_1d.csv` (`timestamp,open,high,low,close`, timestamp = day open
 * UTC). Any bad line throws with its line number: the file is small and a DVOL series with a hole
 * punched by a silently skipped line would shift every change feature after it.
 */
export function parseDvolCsv(text: string, file = '<text>'): DvolCandle[] {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const out: DvolCandle[] = [];
  let sawHeader = false;
  let last = -Infinity;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '').trim();
    if (line === '') continue;
    const where = `${file}: line ${i + 1}`;
    if (!sawHeader) {
      if (line.toLowerCase() !== DVOL_CSV_HEADER) throw new DvolCsvError('DVOL.BAD_HEADER', `${where}: expected header '${DVOL_CSV_HEADER}', got '${line.slice(0, 80)}'`);
      sawHeader = true;
      continue;
    }
    const f = line.split(',');
    if (f.length !== 5) throw new DvolCsvError('DVOL.MALFORMED', `${where}: expected 5 columns, got ${f.length}`);
    const dayOpen = INTEGER.test(f[0]!.trim()) ? Number(f[0]!.trim()) : NaN;
    if (!Number.isSafeInteger(dayOpen)) throw new DvolCsvError('DVOL.NOT_A_NUMBER', `${where}: timestamp '${f[0]}' is not an integer`);
    if (dayOpen % DAY_MS !== 0) throw new DvolCsvError('DVOL.MISALIGNED', `${where}: timestamp ${dayOpen} is not a UTC day open`);
    if (dayOpen <= last) throw new DvolCsvError('DVOL.OUT_OF_ORDER', `${where}: day ${dayOpen} is not after the previous day ${last}`);
    const [open, high, low, close] = f.slice(1).map((s) => (s.trim() === '' ? NaN : Number(s))) as [number, number, number, number];
    for (const [name, v] of [['open', open], ['high', high], ['low', low], ['close', close]] as const) {
      if (!Number.isFinite(v) || v <= 0) throw new DvolCsvError('DVOL.NOT_A_NUMBER', `${where}: ${name} '${v}' is not a positive number`);
    }
    last = dayOpen;
    out.push({ dayOpen, open, high, low, close });
  }
  if (!sawHeader) throw new DvolCsvError('DVOL.BAD_HEADER', `${file}: empty file, expected header '${DVOL_CSV_HEADER}'`);
  return out;
}

export async function readDvolCsv(path: string): Promise<DvolCandle[]> {
  return parseDvolCsv(await readFile(path, 'utf8'), path);
}
