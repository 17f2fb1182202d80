export interface ChartPoint {
  readonly ts: number;
  readonly equity: number;
  readonly drawdown: number; // 0 .. 1, from the running peak
}

/**
 * A self-contained SVG of the equity curve (top) and drawdown (bottom). No library: the chart is
 * two polylines and a few labels, and an SVG opens in any browser or image viewer.
 */
export function renderEquityChart(points: readonly ChartPoint[], title: string): string {
  const width = 1000;
  const height = 560;
  const pad = { left: 80, right: 20, top: 40, bottom: 40 };
  const eqH = 330;
  const ddTop = pad.top + eqH + 40;
  const ddH = height - ddTop - pad.bottom;
  if (points.length < 2) return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="80"><text x="10" y="40">${escape(title)}: not enough points</text></svg>`;

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

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${pad.left}" y="24" font-size="16">${escape(title)}</text>
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

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
