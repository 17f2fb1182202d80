/**
 * Small, dependency-free SVG charts for reports (equity curves, IC per window, importances).
 * An SVG opens in any browser, embeds in HTML as is, and converts to PNG with rsvg-convert.
 */

export interface Series {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  readonly color?: string;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const W = 900;
const H = 320;
const PAD = { left: 70, right: 20, top: 36, bottom: 36 };

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function frame(title: string, body: string, height = H): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${PAD.left}" y="22" font-size="15">${escapeXml(title)}</text>
${body}
</svg>
`;
}

const fmt = (v: number) => (Math.abs(v) >= 1000 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(4));

/** Line chart of one or more series sharing the x axis. `xIsTime` formats x labels as dates. */
export function lineChart(title: string, series: readonly Series[], options: { xIsTime?: boolean; zeroLine?: boolean } = {}): string {
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (all.length < 2) return frame(title, `<text x="${PAD.left}" y="60">not enough data</text>`, 80);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (options.zeroLine) [y0, y1] = [Math.min(0, y0), Math.max(0, y1)];
  if (y1 === y0) y1 = y0 + 1;
  const sx = (x: number) => PAD.left + ((x - x0) / Math.max(1e-12, x1 - x0)) * (W - PAD.left - PAD.right);
  const sy = (y: number) => H - PAD.bottom - ((y - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  const xLabel = (x: number) => (options.xIsTime ? new Date(x).toISOString().slice(0, 10) : fmt(x));
  const lines = series
    .map((s, i) => {
      const step = Math.max(1, Math.floor(s.points.length / 1500));
      const pts = s.points.filter((_, j) => j % step === 0 || j === s.points.length - 1).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
      const color = s.color ?? PALETTE[i % PALETTE.length]!;
      return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>
<text x="${W - PAD.right - 180}" y="${PAD.top + 14 * i}" fill="${color}">${escapeXml(s.name)}</text>`;
    })
    .join('\n');
  const zero = options.zeroLine && y0 < 0 && y1 > 0 ? `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${sy(0)}" y2="${sy(0)}" stroke="#999" stroke-dasharray="4 3"/>` : '';
  const axes = `<text x="6" y="${PAD.top + 4}">${fmt(y1)}</text><text x="6" y="${H - PAD.bottom}">${fmt(y0)}</text>
<text x="${PAD.left}" y="${H - 10}">${xLabel(x0)}</text><text x="${W - PAD.right}" y="${H - 10}" text-anchor="end">${xLabel(x1)}</text>`;
  return frame(title, `${zero}\n${lines}\n${axes}`);
}

/** Vertical bars (e.g. IC per walk-forward window), negative values below the zero line. */
export function barChart(title: string, values: readonly number[], labels?: readonly string[]): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return frame(title, `<text x="${PAD.left}" y="60">no data</text>`, 80);
  const lo = Math.min(0, ...finite);
  const hi = Math.max(0, ...finite) || 1;
  const bw = (W - PAD.left - PAD.right) / values.length;
  const sy = (y: number) => H - PAD.bottom - ((y - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const bars = values
    .map((v, i) => {
      if (!Number.isFinite(v)) return '';
      const x = PAD.left + i * bw + bw * 0.1;
      const top = Math.min(sy(v), sy(0));
      const h = Math.max(1, Math.abs(sy(v) - sy(0)));
      return `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(bw * 0.8).toFixed(1)}" height="${h.toFixed(1)}" fill="${v >= 0 ? '#2ca02c' : '#d62728'}"><title>${escapeXml(labels?.[i] ?? String(i + 1))}: ${fmt(v)}</title></rect>`;
    })
    .join('\n');
  return frame(
    title,
    `${bars}\n<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${sy(0)}" y2="${sy(0)}" stroke="#555"/>\n<text x="6" y="${PAD.top + 4}">${fmt(hi)}</text><text x="6" y="${H - PAD.bottom}">${fmt(lo)}</text>`,
  );
}

/** Horizontal bars with names (e.g. feature importances), largest first. */
export function horizontalBarChart(title: string, items: ReadonlyArray<{ name: string; value: number; color?: string }>): string {
  const rows = [...items].sort((a, b) => b.value - a.value);
  const rowH = 18;
  const height = PAD.top + rows.length * rowH + 20;
  const max = Math.max(1e-12, ...rows.map((r) => r.value));
  const left = 200;
  const body = rows
    .map((r, i) => {
      const y = PAD.top + i * rowH;
      const w = (Math.max(0, r.value) / max) * (W - left - PAD.right - 60);
      return `<text x="${left - 6}" y="${y + 13}" text-anchor="end">${escapeXml(r.name)}</text><rect x="${left}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${r.color ?? '#1f77b4'}"/><text x="${(left + w + 4).toFixed(1)}" y="${y + 13}">${fmt(r.value)}</text>`;
    })
    .join('\n');
  return frame(title, body, height);
}

export interface ChartPoint {
  readonly ts: number;
  readonly equity: number;
  readonly drawdown: number; // 0 .. 1, from the running peak
}

/** Optional context drawn behind the curve: regime bands and circuit-breaker trips. */
export interface EquityChartMarkers {
  /** Regime segments of one instrument (label in force from `from` to `to`). */
  readonly regimes?: { readonly instrument: string; readonly segments: ReadonlyArray<{ readonly from: number; readonly to: number; readonly label: string }> };
  /** Times the circuit breaker opened. */
  readonly trips?: readonly number[];
}

const REGIME_COLORS: Readonly<Record<string, string>> = { Bear: '#ff7f0e', Neutral: '#bbbbbb', Bull: '#2ca02c', Crisis: '#d62728' };

/** Equity curve (top) and drawdown (bottom) of a backtest, with regime bands and breaker trips when given. */
export function renderEquityChart(points: readonly ChartPoint[], title: string, markers: EquityChartMarkers = {}): string {
  const width = 1000;
  const height = 560;
  const pad = { left: 80, right: 20, top: 40, bottom: 40 };
  const eqH = 330;
  const ddTop = pad.top + eqH + 40;
  const ddH = height - ddTop - pad.bottom;
  if (points.length < 2) return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="80"><text x="10" y="40">${escapeXml(title)}: not enough points</text></svg>`;
  const t0 = points[0]!.ts;
  const t1 = points[points.length - 1]!.ts;
  const eqMin = Math.min(...points.map((p) => p.equity));
  const eqMax = Math.max(...points.map((p) => p.equity));
  const ddMax = Math.max(0.01, ...points.map((p) => p.drawdown));
  const x = (ts: number) => pad.left + ((ts - t0) / Math.max(1, t1 - t0)) * (width - pad.left - pad.right);
  const yEq = (v: number) => pad.top + eqH - ((v - eqMin) / Math.max(1e-9, eqMax - eqMin)) * eqH;
  const yDd = (d: number) => ddTop + (d / ddMax) * ddH;
  const step = Math.max(1, Math.floor(points.length / 2000));
  const sampled = points.filter((_, i) => i % step === 0 || i === points.length - 1);
  const eqPath = sampled.map((p) => `${x(p.ts).toFixed(1)},${yEq(p.equity).toFixed(1)}`).join(' ');
  const ddPath = [`${x(t0).toFixed(1)},${ddTop}`, ...sampled.map((p) => `${x(p.ts).toFixed(1)},${yDd(p.drawdown).toFixed(1)}`), `${x(t1).toFixed(1)},${ddTop}`].join(' ');
  const date = (ts: number) => new Date(ts).toISOString().slice(0, 10);
  const clampX = (ts: number) => x(Math.min(t1, Math.max(t0, ts)));
  const bands = (markers.regimes?.segments ?? [])
    .filter((s) => s.to > t0 && s.from < t1 && REGIME_COLORS[s.label] !== undefined)
    .map((s) => `<rect x="${clampX(s.from).toFixed(1)}" y="${pad.top}" width="${Math.max(0.5, clampX(s.to) - clampX(s.from)).toFixed(1)}" height="${eqH}" fill="${REGIME_COLORS[s.label]}" fill-opacity="0.12"/>`)
    .join('');
  const legend = markers.regimes
    ? `<text x="${width - pad.right}" y="24" text-anchor="end">${escapeXml(markers.regimes.instrument)} regime: ${Object.entries(REGIME_COLORS).map(([l, c]) => `<tspan fill="${c}">■ ${l}</tspan>`).join(' ')}${markers.trips?.length ? ' <tspan fill="#000">┆ breaker trip</tspan>' : ''}</text>`
    : markers.trips?.length ? `<text x="${width - pad.right}" y="24" text-anchor="end">┆ breaker trip</text>` : '';
  const trips = (markers.trips ?? [])
    .filter((ts) => ts >= t0 && ts <= t1)
    .map((ts) => `<line x1="${x(ts).toFixed(1)}" y1="${pad.top}" x2="${x(ts).toFixed(1)}" y2="${height - pad.bottom}" stroke="#000" stroke-opacity="0.5" stroke-dasharray="3,3"/>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
${bands}${trips}
<text x="${pad.left}" y="24" font-size="16">${escapeXml(title)}</text>${legend}
<text x="10" y="${pad.top + 10}">${eqMax.toFixed(0)}</text>
<text x="10" y="${pad.top + eqH}">${eqMin.toFixed(0)}</text>
<line x1="${pad.left}" y1="${pad.top + eqH}" x2="${width - pad.right}" y2="${pad.top + eqH}" stroke="#ccc"/>
<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${eqPath}"/>
<text x="${pad.left}" y="${ddTop - 8}">drawdown (max ${(ddMax * 100).toFixed(1)}%)</text>
<polygon fill="#d62728" fill-opacity="0.35" stroke="#d62728" stroke-width="1" points="${ddPath}"/>
<text x="${pad.left}" y="${height - 12}">${date(t0)}</text>
<text x="${width - pad.right}" y="${height - 12}" text-anchor="end">${date(t1)}</text>
</svg>
`;
}
