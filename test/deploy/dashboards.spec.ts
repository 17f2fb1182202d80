import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { K8S } from './support/paths.js';
import { build } from './support/kustomize.js';
import { CONTRACT_METRICS, exportedMetrics, isExportedSeries, type ExportedMetrics } from './support/exported-metrics.js';
import { metricNamesIn, substituteGrafanaVariables, variablesIn } from './support/promql.js';
import { promtool } from './support/promtool.js';

interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly datasource?: { type: string; uid: string };
}
interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { h: number; w: number; x: number; y: number };
  readonly datasource?: { type: string; uid: string };
  readonly targets?: Target[];
  readonly panels?: Panel[];
}
interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query: string | { query: string };
  readonly datasource?: { type: string; uid: string };
}
interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly schemaVersion: number;
  readonly panels: Panel[];
  readonly templating: { list: Variable[] };
  readonly annotations: { list: { expr?: string; datasource?: { uid: string } }[] };
}

const DIR = join(K8S, 'dashboards');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const dashboards = FILES.map((f) => [f, JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Dashboard] as const);
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

const allPanels = (d: Dashboard): Panel[] => d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const variableQuery = (v: Variable) => (typeof v.query === 'string' ? v.query : v.query.query);

/** Every PromQL expression of a dashboard with where it comes from. */
function expressions(d: Dashboard): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const p of allPanels(d)) for (const t of p.targets ?? []) out.push({ where: `${d.uid} panel ${p.id} '${p.title}' ${t.refId}`, expr: t.expr });
  for (const v of d.templating.list.filter((x) => x.type === 'query')) {
    const m = /^label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(variableQuery(v));
    if (!m) throw new Error(`${d.uid} variable ${v.name}: only label_values(selector, label) queries are used here`);
    out.push({ where: `${d.uid} variable ${v.name}`, expr: m[1]! });
  }
  for (const a of d.annotations.list) if (a.expr) out.push({ where: `${d.uid} annotation`, expr: a.expr });
  return out;
}

describe('Grafana dashboards', () => {
  it('has the four dashboards', () => {
    expect(FILES).toEqual(['infrastructure.json', 'institutional-analytics.json', 'market-analysis.json', 'trading-cockpit.json']);
    expect(new Set(dashboards.map(([, d]) => d.uid)).size).toBe(4);
  });

  it('ships them as ConfigMaps labelled for the Grafana sidecar', () => {
    const maps = build(DIR).objects;
    expect(maps).toHaveLength(4);
    for (const m of maps) {
      expect(m.kind).toBe('ConfigMap');
      expect(m.metadata.labels?.grafana_dashboard).toBe('1');
      const [file, body] = Object.entries(m.data as Record<string, string>)[0]!;
      expect(JSON.parse(body)).toEqual(JSON.parse(readFileSync(join(DIR, file), 'utf8')));
    }
  });

  describe.each(dashboards.map(([f, d]) => [f, d]))('%s', (_file, d) => {
    it('uses schemaVersion 39 with a prometheus datasource variable and a namespace variable', () => {
      expect(d.schemaVersion).toBe(39);
      const vars = new Map(d.templating.list.map((v) => [v.name, v]));
      expect(vars.get('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
      expect(vars.get('namespace')).toMatchObject({ type: 'query', datasource: DATASOURCE });
      if (d.uid !== 'tm-infrastructure') expect(vars.has('instrument')).toBe(true);
    });

    it('has unique panel ids, a gridPos on every panel, inside 24 columns, without overlaps', () => {
      const panels = allPanels(d);
      expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
      const cells = new Set<string>();
      for (const p of panels) {
        const g = p.gridPos;
        expect({ panel: p.id, ok: Number.isInteger(g?.h) && Number.isInteger(g?.w) && Number.isInteger(g?.x) && Number.isInteger(g?.y) && g.x + g.w <= 24 && g.w > 0 && g.h > 0 }).toEqual({ panel: p.id, ok: true });
        for (let x = g.x; x < g.x + g.w; x++) {
          for (let y = g.y; y < g.y + g.h; y++) {
            const cell = `${x},${y}`;
            expect({ panel: p.id, overlaps: cells.has(cell) }).toEqual({ panel: p.id, overlaps: false });
            cells.add(cell);
          }
        }
      }
    });

    it('queries ${datasource} from every panel and target, and only defined variables', () => {
      const defined = new Set(d.templating.list.map((v) => v.name));
      for (const p of allPanels(d).filter((x) => x.type !== 'row')) {
        expect({ panel: p.id, datasource: p.datasource }).toEqual({ panel: p.id, datasource: DATASOURCE });
        expect(p.targets?.length).toBeGreaterThan(0);
        expect(new Set(p.targets!.map((t) => t.refId)).size).toBe(p.targets!.length);
        for (const t of p.targets!) {
          expect(t.datasource).toEqual(DATASOURCE);
          expect(t.expr.trim()).not.toBe('');
        }
      }
      for (const { where, expr } of expressions(d)) for (const v of variablesIn(expr)) expect({ where, variable: v, defined: defined.has(v) }).toEqual({ where, variable: v, defined: true });
    });
  });

  describe('PromQL', () => {
    let dir: string;
    let exported: ExportedMetrics;
    const all = dashboards.flatMap(([, d]) => expressions(d));
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tm-dashboards-'));
      exported = await exportedMetrics();
      if (exported.source === 'contract') console.warn('metric names checked against the contract list (libs/observability not present yet)');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('every expression parses (promtool, each one a recording rule)', () => {
      const rules = all.map((e, i) => ({ record: `dashboard:expr:${i}`, expr: substituteGrafanaVariables(e.expr) }));
      writeFileSync(join(dir, 'dashboards.rules.yaml'), stringify({ groups: [{ name: 'dashboards', rules }] }));
      const run = promtool(['check', 'rules', 'dashboards.rules.yaml'], dir);
      expect(run.output).toContain(`SUCCESS: ${rules.length} rules found`);
      expect(run.status).toBe(0);
      expect(rules.length).toBeGreaterThan(80);
    });

    it('every metric is one the trader exports', () => {
      const unknown = all.flatMap(({ where, expr }) => metricNamesIn(expr).filter((n) => !isExportedSeries(n, exported.types)).map((n) => `${where}: ${n}`));
      expect(unknown).toEqual([]);
    });

    it('the trader registry exports the whole metric contract, with the contract types', () => {
      if (exported.source === 'contract') return;
      const wrong = Object.entries(CONTRACT_METRICS).filter(([name, type]) => exported.types.get(name) !== type).map(([name, type]) => `${name}: want ${type}, got ${exported.types.get(name) ?? 'missing'}`);
      expect(wrong).toEqual([]);
    });

    it('covers the metric contract: every trader metric is on some dashboard', () => {
      const histogramOf = (n: string) => /^(.*)_(bucket|sum|count)$/.exec(n)?.[1];
      const baseName = (n: string) => (CONTRACT_METRICS[histogramOf(n) ?? ''] === 'histogram' ? histogramOf(n)! : n);
      const used = new Set(all.flatMap(({ expr }) => metricNamesIn(expr)).map(baseName));
      expect(Object.keys(CONTRACT_METRICS).filter((m) => !used.has(m))).toEqual([]);
    });
  });
});

describe('PromQL metric-name extraction', () => {
  it.each([
    ['histogram_quantile(0.95, sum by (le, route) (rate(tm_http_request_seconds_bucket{namespace=~"$namespace"}[$__rate_interval])))', ['tm_http_request_seconds_bucket']],
    ['10000 * sum by (instrument) (increase(tm_fees_total[1d])) / sum(tm_fill_notional_total offset 1h)', ['tm_fees_total', 'tm_fill_notional_total']],
    ['(tm_market_data_age_seconds > 5 * 3600) and on (job, instance) (tm_trading_state{mode="live"})', ['tm_market_data_age_seconds', 'tm_trading_state']],
    ['sum(x) by (a) / ignoring(b) group_left(c) count without (d) (y) > bool 1e3', ['x', 'y']],
    ['label_replace(up{job="trader"}, "dst", "$1", "instance", "(.*):3000")', ['up']],
  ])('%s', (expr, names) => {
    expect(metricNamesIn(expr).sort()).toEqual([...names].sort());
  });

  it('flags a name the trader does not export', async () => {
    const { types } = await exportedMetrics();
    expect(metricNamesIn('rate(tm_bars_processsed_total[5m])').filter((n) => !isExportedSeries(n, types))).toEqual(['tm_bars_processsed_total']);
    expect(isExportedSeries('tm_db_query_seconds_bucket', types)).toBe(true);
    expect(isExportedSeries('tm_db_errors_total_bucket', types)).toBe(false);
    expect(isExportedSeries('nodejs_eventloop_lag_p99_seconds', types)).toBe(true);
  });
});
