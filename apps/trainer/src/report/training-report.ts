import { barChart, escapeXml, horizontalBarChart, lineChart } from '@lib/reporting';
import type { InstrumentTrainingResult, TrainingRunResult } from '../pipeline/training.types.js';

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const n3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const date = (ts: number) => new Date(ts).toISOString().slice(0, 10);

function table(headers: string[], rows: string[][]): string {
  return `<table><thead><tr>${headers.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function instrumentSection(r: InstrumentTrainingResult): string {
  const verdict = r.gates.promotable
    ? `<p class="pass">PASSED the validation gates: promoted to ${escapeXml(r.model.stage)} (version ${r.model.version}).</p>`
    : `<p class="fail">FAILED the validation gates: registered as version ${r.model.version} in stage ${escapeXml(r.model.stage)} and NOT promoted. ${r.gates.reasons.map(escapeXml).join(' ')}</p>`;
  let cumulative = 0;
  const cumIc = r.windows.map((w) => [w.testToTs, (cumulative += w.ic)] as [number, number]);
  const selectionRows = r.selection.map((s) => [escapeXml(s.name), s.decision, String(s.hits), n3(s.medianImportance)]);
  const a = r.aggregate;
  const transfer = r.transfer
    ? `<h3>Weekly update: transfer learning vs retraining</h3>
<p>Window ${date(r.transfer.window.fromTs)} → ${date(r.transfer.window.toTs)}, scored on the holdout ${date(r.transfer.holdout.fromTs)} → ${date(r.transfer.holdout.toTs)}.</p>
${table(['model', 'IC', 'Sharpe', 'trees'], [
  [`warm start from v${r.transfer.parentVersion} (frozen trees + ${r.transfer.warmStart.newTrees} new)`, n3(r.transfer.warmStart.ic), n3(r.transfer.warmStart.sharpe), String(r.transfer.warmStart.trees)],
  ['retrained from scratch', n3(r.transfer.fromScratch.ic), n3(r.transfer.fromScratch.sharpe), String(r.transfer.fromScratch.trees)],
])}`
    : '<p>No Production model existed before this run, so there was nothing to warm-start from (transfer learning runs from the next weekly run on).</p>';
  return `<section>
<h2>${escapeXml(r.instrumentId)} — ${escapeXml(r.modelName)} v${r.model.version}</h2>
${verdict}
${table(['rows', 'period', 'features', 'selected', 'mean IC', 'ICIR', 't-stat', 'rank IC', 'hit rate', 'Sharpe (net)', 'windows with IC > 0'], [
  [String(r.rows), `${date(r.fromTs)} → ${date(r.toTs)}`, String(r.featureNames.length), String(r.selected.length), n3(a.meanIc), n3(a.icir), n3(a.tStat), n3(a.meanRankIc), pct(a.hitRate), n3(a.sharpe), pct(a.positiveShare)],
])}
${barChart(`${r.instrumentId}: IC per walk-forward window`, r.windows.map((w) => w.ic), r.windows.map((w) => `#${w.index + 1} ${date(w.testFromTs)}`))}
${lineChart(`${r.instrumentId}: cumulative IC`, [{ name: 'cumulative IC', points: cumIc }], { xIsTime: true, zeroLine: true })}
${lineChart(`${r.instrumentId}: out-of-sample equity (signal, net of fees) vs buy-and-hold`, [
  { name: 'signal', points: r.oosEquity.map((p) => [p.ts, p.strategy]) },
  { name: 'buy and hold', points: r.oosEquity.map((p) => [p.ts, p.buyHold]) },
], { xIsTime: true })}
<h3>Feature selection (Boruta, ${r.selectionRounds} rounds)</h3>
${r.selectionNote ? `<p>${escapeXml(r.selectionNote)}</p>` : ''}
${table(['feature', 'decision', 'hits', 'median importance'], selectionRows)}
${horizontalBarChart(`${r.instrumentId}: feature importance (final model, gain)`, r.importances.map((i) => ({ name: i.name, value: i.value })))}
${transfer}
<p class="small">Artifact ${escapeXml(r.model.artifactUri)} sha256 ${r.model.sha256}. Stage timings: ${Object.entries(r.timings)
    .map(([k, v]) => `${escapeXml(k)} ${v.toFixed(1)} s`)
    .join(', ')}.</p>
</section>`;
}

/** One self-contained HTML page: tables and inline SVG charts, no external assets. */
export function renderTrainingReport(run: TrainingRunResult): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Trade-Matrix training ${escapeXml(run.startedAt)}</title>
<style>
body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.pass{color:#1a7f37;font-weight:bold}.fail{color:#b42318;font-weight:bold}.small{font-size:12px;color:#666}
svg{display:block;margin:1em 0}
</style></head><body>
<h1>Trade-Matrix weekly training</h1>
<p>Started ${escapeXml(run.startedAt)} · source ${escapeXml(run.source)} ${escapeXml(run.interval)} · label horizon ${run.horizon} bars · ${run.seconds.toFixed(1)} s in all.</p>
${table(['instrument', 'mean IC', 'ICIR', 'Sharpe', 'gates', 'model'], run.instruments.map((r) => [escapeXml(r.instrumentId), n3(r.aggregate.meanIc), n3(r.aggregate.icir), n3(r.aggregate.sharpe), r.gates.promotable ? 'passed' : 'failed', `${escapeXml(r.modelName)} v${r.model.version} (${escapeXml(r.model.stage)})`]))}
<p class="small">Configuration: <code>${escapeXml(JSON.stringify(run.config))}</code></p>
${run.instruments.map(instrumentSection).join('\n')}
</body></html>
`;
}
