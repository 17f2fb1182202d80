import { randomBytes } from 'node:crypto';

/** `bt-YYYYMMDDHHMMSS-xxxxxx`: sortable by start time, unique across processes. */
export function newBacktestRunId(now = new Date()): string {
  return `bt-${now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
}
