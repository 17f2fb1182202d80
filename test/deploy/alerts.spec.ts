import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { K8S } from './support/paths.js';
import { build, type K8sObject } from './support/kustomize.js';
import { exportedMetrics, isExportedSeries } from './support/exported-metrics.js';
import { metricNamesIn } from './support/promql.js';
import { promtool } from './support/promtool.js';

interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}
interface RuleGroup {
  readonly name: string;
  readonly rules: Rule[];
}

const objects = build(join(K8S, 'base')).objects;
const ruleObject = objects.find((o) => o.kind === 'PrometheusRule' && o.metadata.name === 'trader') as K8sObject & { spec: { groups: RuleGroup[] } };
const groups = ruleObject.spec.groups;
const rules = groups.flatMap((g) => g.rules);
const byName = (alert: string) => rules.find((r) => r.alert === alert);

describe('PrometheusRule: alerts', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tm-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups }));
    copyFileSync(join(K8S, 'alerts', 'tests.yaml'), join(dir, 'tests.yaml'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes `promtool check rules`', () => {
    const run = promtool(['check', 'rules', 'rules.yaml'], dir);
    expect(run.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(run.status).toBe(0);
  });

  it('passes the promtool unit tests in k8s/alerts/tests.yaml (breaker open, stale data, trader down)', () => {
    const run = promtool(['test', 'rules', 'tests.yaml'], dir);
    expect(run.output).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });

  it('promtool rejects a broken rule file (the check is real)', () => {
    writeFileSync(join(dir, 'broken.yaml'), stringify({ groups: [{ name: 'x', rules: [{ alert: 'Broken', expr: 'sum(rate(tm_db_errors_total[5m]) > ' }] }] }));
    expect(promtool(['check', 'rules', 'broken.yaml'], dir).status).not.toBe(0);
  });

  it('has the alerts the runbook documents, each with a severity and a summary', () => {
    for (const name of ['TraderCircuitBreakerOpen', 'TraderMarketDataStale', 'TraderModelStale', 'TraderDatabaseErrors', 'TraderRedisErrors', 'TraderEventStoreErrors', 'TraderHttp5xxRate', 'TraderDown', 'TraderRedisDegraded', 'TraderEventStoreLag']) {
      const rule = byName(name);
      expect({ name, found: rule !== undefined }).toEqual({ name, found: true });
      expect(['critical', 'warning']).toContain(rule!.labels?.severity);
      expect(rule!.annotations?.summary).toBeTruthy();
    }
    expect(byName('TraderCircuitBreakerOpen')).toMatchObject({ expr: 'tm_breaker_state == 1', for: '1m' });
    expect(byName('TraderMarketDataStale')!.expr).toMatch(/tm_market_data_age_seconds > 5 \* 3600[\s\S]*mode="live"/);
    expect(byName('TraderModelStale')!.expr).toBe('tm_model_age_seconds > 8 * 86400');
    expect(byName('TraderRedisDegraded')).toMatchObject({ expr: 'tm_redis_up == 0', for: '5m' });
  });

  it('watches the job the ServiceMonitor produces (the Service name)', () => {
    const service = objects.find((o) => o.kind === 'Service')!;
    expect(byName('TraderDown')!.expr).toBe(`up{job="${service.metadata.name}"} == 0`);
  });

  it('uses only metrics the trader exports', async () => {
    const { types, source } = await exportedMetrics();
    if (source === 'contract') console.warn('metric names checked against the contract list (libs/observability not present yet)');
    const unknown = rules.flatMap((r) => metricNamesIn(r.expr).filter((n) => !isExportedSeries(n, types)).map((n) => `${r.alert ?? r.record}: ${n}`));
    expect(unknown).toEqual([]);
    expect(new Set(rules.flatMap((r) => metricNamesIn(r.expr))).size).toBeGreaterThanOrEqual(10);
  });
});
