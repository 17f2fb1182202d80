import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEquityChart } from '@lib/reporting';
import { num, pct, renderTable } from '../reporting/results-table.js';
import type { BacktestOutcome } from './backtest.runner.js';

/** Writes summary.json, equity.csv and equity.svg into `outDir`; returns their paths. */
export function writeBacktestOutput(outDir: string, outcome: BacktestOutcome): { summary: string; equityCsv: string; chart: string } {
  mkdirSync(outDir, { recursive: true });
  const summary = join(outDir, 'summary.json');
  const equityCsv = join(outDir, 'equity.csv');
  const chart = join(outDir, 'equity.svg');
  writeFileSync(summary, `${JSON.stringify(outcome.summary, null, 2)}\n`);
  const lines = ['timestamp,iso,equity,drawdown', ...outcome.equityCurve.map((p) => `${p.ts},${new Date(p.ts).toISOString()},${p.equity.toFixed(6)},${p.drawdown.toFixed(6)}`)];
  writeFileSync(equityCsv, `${lines.join('\n')}\n`);
  writeFileSync(chart, renderEquityChart(outcome.equityCurve, `${outcome.summary.runId}: ${outcome.summary.instruments.map((i) => i.split('-')[0]).join(' + ')} ${outcome.summary.interval}, ${outcome.summary.strategy}`, outcome.markers));
  return { summary, equityCsv, chart };
}

export function renderSummaryTable(outcome: BacktestOutcome): string {
  const s = outcome.summary;
  const rows: string[][] = [
    ['run', s.runId],
    ['instruments', s.instruments.join(', ')],
    ['period', `${s.from ?? 'start'} → ${s.to ?? 'end'}`],
    ['bars (rejected)', `${s.bars} (${s.barsRejected})`],
    ['orders / fills / denied', `${s.orders} / ${s.fills} / ${s.denied}`],
    ['circuit-breaker trips', String(s.breakerTrips)],
    ['initial → final equity', `${s.initialCapital} → ${s.finalEquity}`],
    ['total return', pct(s.totalReturn)],
    ['CAGR', pct(s.cagr)],
    ['annual volatility', pct(s.annualVolatility)],
    ['Sharpe / Sortino', `${num(s.sharpe)} / ${num(s.sortino)}`],
    ['max drawdown', `${pct(s.maxDrawdown)} (${s.maxDrawdownPeak?.slice(0, 10) ?? '-'} → ${s.maxDrawdownTrough?.slice(0, 10) ?? '-'})`],
    ['Calmar', num(s.calmar)],
    ['win rate / profit factor', `${pct(s.winRate, 1)} / ${num(s.profitFactor)}`],
    ['turnover / exposure', `${num(s.turnover, 1)}x / ${pct(s.exposure, 1)}`],
    ['fees / funding', `${s.fees} / ${s.funding}`],
    ['events', String(s.events)],
    ['event stream hash', s.eventStreamHash],
    ['speed', `${s.barsPerSec.toLocaleString('en-US')} bars/s (${s.wallSeconds}s)`],
  ];
  return renderTable(['metric', 'value'], rows);
}
