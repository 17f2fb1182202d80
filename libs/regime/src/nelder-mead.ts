/** Minimal Nelder–Mead simplex minimiser (unconstrained). */
export interface NelderMeadOptions {
  maxIter?: number;
  tol?: number;
  step?: number;
}

export interface NelderMeadResult {
  x: Float64Array;
  fx: number;
  iterations: number;
}

export function nelderMead(f: (x: Float64Array) => number, x0: ArrayLike<number>, opts: NelderMeadOptions = {}): NelderMeadResult {
  const n = x0.length;
  const maxIter = opts.maxIter ?? 2000;
  const tol = opts.tol ?? 1e-10;
  const step = opts.step ?? 0.5;
  const safe = (x: Float64Array): number => {
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  const pts: Float64Array[] = [];
  const vals: number[] = [];
  for (let i = 0; i <= n; i++) {
    const p = Float64Array.from(x0);
    if (i > 0) p[i - 1] = p[i - 1]! + step;
    pts.push(p);
    vals.push(safe(p));
  }
  let it = 0;
  const combine = (a: Float64Array, b: Float64Array, t: number): Float64Array => {
    const r = new Float64Array(n);
    for (let j = 0; j < n; j++) r[j] = a[j]! + t * (b[j]! - a[j]!);
    return r;
  };
  for (; it < maxIter; it++) {
    const order = vals.map((_, i) => i).sort((a, b) => vals[a]! - vals[b]! || a - b);
    const sp = order.map((i) => pts[i]!);
    const sv = order.map((i) => vals[i]!);
    for (let i = 0; i <= n; i++) {
      pts[i] = sp[i]!;
      vals[i] = sv[i]!;
    }
    if (Math.abs(vals[n]! - vals[0]!) <= tol * (Math.abs(vals[0]!) + tol)) break;
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[j] = c[j]! + pts[i]![j]! / n;
    const worst = pts[n]!;
    const xr = combine(c, worst, -1);
    const fr = safe(xr);
    if (fr < vals[0]!) {
      const xe = combine(c, worst, -2);
      const fe = safe(xe);
      if (fe < fr) {
        pts[n] = xe;
        vals[n] = fe;
      } else {
        pts[n] = xr;
        vals[n] = fr;
      }
    } else if (fr < vals[n - 1]!) {
      pts[n] = xr;
      vals[n] = fr;
    } else {
      const outside = fr < vals[n]!;
      const xc = outside ? combine(c, worst, -0.5) : combine(c, worst, 0.5);
      const fc = safe(xc);
      if (fc < (outside ? fr : vals[n]!)) {
        pts[n] = xc;
        vals[n] = fc;
      } else {
        for (let i = 1; i <= n; i++) {
          pts[i] = combine(pts[0]!, pts[i]!, 0.5);
          vals[i] = safe(pts[i]!);
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i <= n; i++) if (vals[i]! < vals[best]!) best = i;
  return { x: pts[best]!, fx: vals[best]!, iterations: it };
}
