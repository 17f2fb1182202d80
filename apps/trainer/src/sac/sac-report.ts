/** The SAC sizer's training report: one self-contained HTML page (tables and inline SVG charts). */
import { barChart, escapeXml, lineChart } from '@lib/reporting';
import { DEFAULT_SIZING_ENV_CONFIG, POLICY_NAMES, type PolicyMetrics, type PolicyName, type WalkForwardReport } from '@lib/rl';
import { SIZING_TIERS } from '@lib/sizing';
import type { SacTrainingResult } from './sac-training.js';

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const n2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const date = (ts: number) => new Date(ts).toISOString().slice(0, 10);

const POLICY_LABELS: Readonly<Record<PolicyName, string>> = {
  'buy-and-hold': 'buy and hold (1×)',
  'signal-fixed': 'signal, fixed size',
  'kelly-regime': 'Kelly by regime (pure Kelly tier)',
  sac: 'SAC alone',
  'sac-tiered': 'SAC with sizing tiers',
};

function table(headers: string[], rows: string[][]): string {
  return `<table><thead><tr>${headers.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function metricsRow(label: string, m: PolicyMetrics): string[] {
  return [escapeXml(label), pct(m.totalReturn), n2(m.sharpe), pct(m.maxDrawdown), n2(m.turnover), n2(m.annualTurnover), pct(m.tradingCost), pct(m.fundingCost), n2(m.meanExposure)];
}

const METRIC_HEADERS = ['policy', 'total return', 'Sharpe (ann.)', 'max drawdown', 'turnover (× equity)', 'turnover / yr', 'trading cost', 'funding paid', 'mean |position|'];

function walkForwardSection(wf: WalkForwardReport): string {
  const aggregate = table(
    METRIC_HEADERS,
    POLICY_NAMES.map((p) => metricsRow(POLICY_LABELS[p], wf.aggregate[p])),
  );
  const perWindow = wf.windows
    .map(
      (w) => `<h3>Window ${w.index + 1}: test ${date(w.testFromTs)} → ${date(w.testToTs)} (${w.testTo - w.testFrom} bars), SAC trained on bars ${w.trainFrom}–${w.trainTo - 1} in ${w.trainSeconds.toFixed(1)} s</h3>
${table(METRIC_HEADERS, POLICY_NAMES.map((p) => metricsRow(POLICY_LABELS[p], w.policies[p])))}
<p class="small">Mean rolling IC seen by the tiers: ${Number.isFinite(w.meanRollingIc) ? w.meanRollingIc.toFixed(4) : 'n/a'}. Tier bars: ${SIZING_TIERS.map((t) => `${t} ${w.tiers[t]}`).join(', ')}.</p>`,
    )
    .join('\n');
  const equity = lineChart(
    'Out-of-sample equity, test blocks chained (identical fees, slippage and funding)',
    POLICY_NAMES.map((p) => ({ name: POLICY_LABELS[p], points: wf.equity[p] })),
    { xIsTime: true },
  );
  const sharpeGap = barChart(
    'Sharpe per window: SAC with tiers minus Kelly by regime',
    wf.windows.map((w) => w.policies['sac-tiered'].sharpe - w.policies['kelly-regime'].sharpe),
    wf.windows.map((w) => `#${w.index + 1} ${date(w.testFromTs)}`),
  );
  return `<h2>Walk-forward comparison (out of sample)</h2>
<p>${wf.windows.length} windows; in each, the regime model and a SAC agent (${wf.stepsPerWindow.toLocaleString('en-US')} steps, same curriculum, smaller budget) are trained only on bars before the test block minus the purge, then every policy runs the test block from flat with equity 1. Total time ${wf.seconds.toFixed(1)} s.</p>
${aggregate}
${equity}
${sharpeGap}
<p class="small">Tier bars over all windows: ${SIZING_TIERS.map((t) => `${t} ${wf.tiers[t]}`).join(', ')}.</p>
${perWindow}`;
}

export function renderSacReport(r: SacTrainingResult): string {
  const c = r.curriculum;
  const stages = table(
    ['stage', 'steps', 'episodes', 'mean reward / step', 'α after', 'policy entropy', 'seconds'],
    c.stages.map((s) => [s.stage, String(s.steps), String(s.episodes), s.meanReward.toExponential(3), s.alpha.toFixed(4), s.entropy === null ? 'n/a' : s.entropy.toFixed(3), s.seconds.toFixed(1)]),
  );
  const d = r.data;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>SAC position sizer ${escapeXml(r.instrumentId)} ${escapeXml(r.startedAt)}</title>
<style>
body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.small{font-size:12px;color:#666}
</style></head><body>
<h1>SAC position sizer — ${escapeXml(r.instrumentId)}</h1>
<p>Run ${escapeXml(r.startedAt)}, seed ${r.seed}, ${escapeXml(r.source)} 4h bars ${date(d.fromTs)} → ${date(d.toTs)} (${d.bars} bars). Model ${escapeXml(r.modelName)} version ${escapeXml(r.model.version)}, maxFraction ${r.model.maxFraction}, ONNX sha256 ${r.model.sha256} (${r.model.bytes} bytes).</p>
<h2>Inputs</h2>
<ul>
<li>Forecast: walk-forward GBDT (the weekly pipeline's features, labels, purge and parameters, every feature, no Boruta), out of sample from ${date(d.firstForecastTs)}; its IC over those bars is ${d.forecastIc.toFixed(4)}. The observation's signal is the forecast divided by the RMS of its last 500 values.</li>
<li>Regimes: GARCH(1,1) + 4-state Gaussian HMM (Bear, Neutral, Bull, Crisis) on [r, σ]; GARCH α ${r.regime.garch.alpha.toFixed(3)}, β ${r.regime.garch.beta.toFixed(3)}.</li>
<li>Costs: Bybit taker fee 0.055% + 2 bps slippage on traded notional; funding on the marked notional at the 8h settlements (Bybit history from ${d.fundingRecordedFromTs === null ? 'n/a' : date(d.fundingRecordedFromTs)}, an assumed ${(d.assumedFundingRate * 100).toFixed(3)}% per 8h before it). Fills at the decision bar's close.</li>
<li>Reward: log equity growth − λ × increase in drawdown from the episode's peak, λ = ${c.config.env.drawdownPenalty ?? DEFAULT_SIZING_ENV_CONFIG.drawdownPenalty}; action = target fraction in [−1, 1] × maxFraction.</li>
</ul>
<h2>Curriculum (final model)</h2>
<p>${c.steps.toLocaleString('en-US')} steps in ${c.seconds.toFixed(1)} s (${Math.round(c.stepsPerSecond)} steps/s, one SAC update per step); real stages on ${date(c.trainFromTs)} → ${date(c.trainToTs)}; synthetic paths pay ${(c.syntheticFundingRate * 100).toFixed(4)}% per 8h.</p>
${stages}
${r.walkForward ? walkForwardSection(r.walkForward) : '<p>Walk-forward comparison skipped (--skip-eval).</p>'}
<p class="small">Timings: ${Object.entries(r.timings)
    .map(([k, v]) => `${escapeXml(k)} ${v.toFixed(1)} s`)
    .join(', ')}; total ${r.seconds.toFixed(1)} s.</p>
</body></html>
`;
}
