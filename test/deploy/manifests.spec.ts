import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '@config';
import { K8S } from './support/paths.js';
import { applyJson6902, build, containersOf, KustomizeError, podSpecOf, readYamlDocuments, strategicMerge, type K8sObject } from './support/kustomize.js';
import { schemaProblem } from './support/schemas.js';
import { unknownFields } from './support/unknown-fields.js';

/** The one Secret every credential comes from; it is created out of band, never committed. */
const SECRET_NAME = 'trade-matrix-secrets';
const BUILDS = ['base', 'overlays/paper', 'overlays/live', 'dashboards'] as const;
const TRADER_BUILDS = ['base', 'overlays/paper', 'overlays/live'] as const;

type Obj = Record<string, unknown>;
const rendered = Object.fromEntries(BUILDS.map((b) => [b, build(join(K8S, b))])) as Record<(typeof BUILDS)[number], ReturnType<typeof build>>;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

const one = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const hits = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (hits.length !== 1) throw new Error(`expected one ${kind} '${name}', found ${hits.length}`);
  return hits[0]!;
};
const traderContainer = (objects: K8sObject[]) => containersOf(one(objects, 'Deployment', 'trader')).find((c) => c.name === 'trader') as Obj;
const envMap = (objects: K8sObject[]) => (one(objects, 'ConfigMap', 'trader-env').data ?? {}) as Record<string, string>;
const exampleSecret = () => readYamlDocuments(join(K8S, 'secret.example.yaml'))[0] as { stringData: Record<string, string> };

/** Mebibytes of a Kubernetes memory quantity (Mi/Gi only, the units used here). */
function mebibytes(q: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(q);
  if (!m) throw new Error(`unsupported memory quantity '${q}'`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

describe('k8s manifests: files and schemas', () => {
  const files = yamlFiles(K8S);

  it('finds the manifests', () => {
    expect(files.map((f) => relative(K8S, f))).toEqual(expect.arrayContaining(['base/kustomization.yaml', 'base/deployment.yaml', 'overlays/paper/kustomization.yaml', 'overlays/live/kustomization.yaml', 'secret.example.yaml', 'alerts/tests.yaml']));
  });

  it.each(files.map((f) => [relative(K8S, f)]))('%s parses as YAML', (file) => {
    expect(readYamlDocuments(join(K8S, file)).length).toBeGreaterThan(0);
  });

  it('every manifest file is used by a kustomization (or is the secret example / alert tests)', () => {
    const used = new Set(BUILDS.flatMap((b) => rendered[b].files.map((f) => join(K8S, b, f))).map((f) => relative(K8S, f)));
    const unused = files.map((f) => relative(K8S, f)).filter((f) => !used.has(f) && f !== 'secret.example.yaml' && f !== 'alerts/tests.yaml');
    expect(unused).toEqual([]);
  });

  it.each(BUILDS.map((b) => [b]))('%s: every rendered object validates against its schema', (b) => {
    const problems = rendered[b].objects.map((o) => [`${o.kind}/${o.metadata.name}`, schemaProblem(o)]).filter(([, p]) => p !== null);
    expect(problems).toEqual([]);
    expect(rendered[b].objects.length).toBeGreaterThan(0);
  });

  it.each(BUILDS.map((b) => [b]))('%s: no object has a field its schema does not declare (typos)', (b) => {
    expect(rendered[b].objects.flatMap((o) => unknownFields(o).map((f) => `${o.metadata.name}: ${f}`))).toEqual([]);
  });

  it('the unknown-field check finds a misspelt probe deep in a CronJob and a Deployment', () => {
    const deployment = structuredClone(one(rendered.base.objects, 'Deployment', 'trader'));
    const container = (podSpecOf(deployment)!.containers as Obj[])[0]!;
    container.readinesProbe = container.readinessProbe;
    (container.securityContext as Obj).runAsNonroot = true;
    expect(unknownFields(deployment)).toEqual(['Deployment.spec.template.spec.containers[0].securityContext.runAsNonroot', 'Deployment.spec.template.spec.containers[0].readinesProbe']);
    const cron = structuredClone(one(rendered.base.objects, 'CronJob', 'trainer'));
    (podSpecOf(cron)!.initContainers as Obj[])[0]!.volumeMount = [];
    expect(unknownFields(cron)).toEqual(['CronJob.spec.jobTemplate.spec.template.spec.initContainers[0].volumeMount']);
  });

  it('the schema check rejects a broken object (the validation is real)', () => {
    const deployment = structuredClone(one(rendered.base.objects, 'Deployment', 'trader'));
    (podSpecOf(deployment)!.containers as Obj[])[0]!.resources = { limits: { cpu: '2 cores' } };
    expect(schemaProblem(deployment)).toMatch(/cpu/);
    expect(schemaProblem({ apiVersion: 'v9', kind: 'Gadget', metadata: { name: 'x' } })).toMatch(/no schema model/);
  });

  it('the secret example validates but is in no kustomization, and holds only fake values', () => {
    const secret = readYamlDocuments(join(K8S, 'secret.example.yaml'))[0] as K8sObject & { stringData: Record<string, string> };
    expect(schemaProblem(secret)).toBeNull();
    expect(secret.metadata.name).toBe(SECRET_NAME);
    for (const value of Object.values(secret.stringData)) expect(value).toMatch(/EXAMPLE|CHANGE-ME/);
    for (const b of BUILDS) expect(rendered[b].objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });
});

describe('k8s manifests: the test kustomize resolver', () => {
  it('agrees with `kubectl kustomize` when kubectl is installed', () => {
    const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      console.warn('kubectl not found: rendering checked with the test resolver only');
      return;
    }
    const key = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    for (const b of BUILDS) {
      const out = execFileSync('kubectl', ['kustomize', join(K8S, b)], { encoding: 'utf8' });
      const real = out.split(/^---$/m).map((d) => parse(d) as K8sObject).filter(Boolean).sort((x, y) => key(x).localeCompare(key(y)));
      const ours = [...rendered[b].objects].sort((x, y) => key(x).localeCompare(key(y)));
      expect({ build: b, objects: ours }).toEqual({ build: b, objects: real });
    }
  });

  it('refuses a patch that targets nothing, and a missing resource', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-kustomize-'));
    try {
      writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n  - ../nowhere.yaml\n');
      expect(() => build(dir)).toThrow(KustomizeError);
      writeFileSync(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n');
      writeFileSync(join(dir, 'p.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  x: "1"\n');
      writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n  - cm.yaml\npatches:\n  - path: p.yaml\n');
      expect(() => build(dir)).toThrow(/KUSTOMIZE.PATCH_TARGET/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('merges lists of named items by name and applies JSON 6902 strictly', () => {
    const merged = strategicMerge({ containers: [{ name: 'a', image: 'x', env: [{ name: 'K', value: '1' }] }, { name: 'b' }] }, { containers: [{ name: 'a', env: [{ name: 'L', value: '2' }] }] });
    expect(merged).toEqual({ containers: [{ name: 'a', image: 'x', env: [{ name: 'K', value: '1' }, { name: 'L', value: '2' }] }, { name: 'b' }] });
    expect(applyJson6902({ spec: { a: 1 } }, [{ op: 'remove', path: '/spec/a' }, { op: 'add', path: '/spec/b', value: 2 }])).toEqual({ spec: { b: 2 } });
    expect(() => applyJson6902({ spec: {} }, [{ op: 'replace', path: '/spec/missing', value: 1 }])).toThrow(/KUSTOMIZE.PATCH_PATH/);
  });
});

describe.each(TRADER_BUILDS.map((b) => [b]))('k8s %s: the trader', (b) => {
  const objects = rendered[b].objects;
  const deployment = one(objects, 'Deployment', 'trader');
  const pod = podSpecOf(deployment)!;
  const trader = traderContainer(objects);
  const env = envMap(objects);

  it('probes /health/live (startup, liveness) and /health/ready (readiness) on the container port', () => {
    const ports = trader.ports as { name: string; containerPort: number }[];
    const http = ports.find((p) => p.name === 'http')!;
    expect(http.containerPort).toBe(3000);
    const probe = (k: string) => (trader[k] as { httpGet: { path: string; port: string | number } }).httpGet;
    expect(probe('livenessProbe').path).toBe('/health/live');
    expect(probe('startupProbe').path).toBe('/health/live');
    expect(probe('readinessProbe').path).toBe('/health/ready');
    for (const k of ['livenessProbe', 'startupProbe', 'readinessProbe']) expect([http.name, http.containerPort]).toContain(probe(k).port);
  });

  it('runs one replica, and never more (HPA capped at 1)', () => {
    expect((deployment.spec as Obj).replicas).toBe(1);
    const hpa = one(objects, 'HorizontalPodAutoscaler', 'trader').spec as { scaleTargetRef: Obj; minReplicas: number; maxReplicas: number };
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'trader' });
    expect(hpa.maxReplicas).toBe(1);
    expect(hpa.minReplicas).toBe(1);
  });

  it('rolls out without two trading pods in live (Recreate), with surge elsewhere (maxSurge 1, maxUnavailable 0)', () => {
    const strategy = (deployment.spec as Obj).strategy as Obj;
    if (b === 'overlays/live') expect(strategy).toEqual({ type: 'Recreate' });
    else expect(strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  it('keeps terminationGracePeriodSeconds above TRADER_SHUTDOWN_GRACE_MS (with 5 s to spare)', () => {
    const graceMs = Number(env.TRADER_SHUTDOWN_GRACE_MS);
    expect(graceMs).toBeGreaterThanOrEqual(100);
    expect((pod.terminationGracePeriodSeconds as number) * 1000).toBeGreaterThanOrEqual(graceMs + 5000);
  });

  it('runs as uid 10001, non-root, read-only root filesystem, with /tmp and /app/var on emptyDirs', () => {
    const sc = pod.securityContext as Obj;
    expect(sc).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    for (const c of containersOf(deployment)) {
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    }
    const volumes = new Map((pod.volumes as { name: string; emptyDir?: Obj }[]).map((v) => [v.name, v]));
    const mounts = trader.volumeMounts as { name: string; mountPath: string }[];
    for (const path of ['/tmp', '/app/var']) {
      const mount = mounts.find((m) => m.mountPath === path);
      expect(mount).toBeDefined();
      expect(volumes.get(mount!.name)?.emptyDir).toBeDefined();
    }
  });

  it('gets its models from the model image through an init container and an emptyDir at TM_ARTIFACT_DIR', () => {
    const init = (pod.initContainers as Obj[]).find((c) => c.name === 'models')!;
    expect(init.image).toMatch(/^ghcr\.io\/trade-matrix\/models:/);
    const target = (init.volumeMounts as { name: string; mountPath: string }[])[0]!;
    const models = (trader.volumeMounts as { name: string; mountPath: string; readOnly?: boolean }[]).find((m) => m.name === target.name)!;
    expect(models).toMatchObject({ mountPath: '/app/models', readOnly: true });
    expect(env.TM_ARTIFACT_DIR).toBe(models.mountPath);
    expect((init.command as string[]).join(' ')).toContain(`/models/. ${target.mountPath}/`);
    expect((pod.volumes as { name: string; emptyDir?: Obj }[]).find((v) => v.name === target.name)?.emptyDir).toBeDefined();
  });

  it('pins image tags in the overlays (no :latest)', () => {
    for (const c of containersOf(deployment).concat(containersOf(one(objects, 'CronJob', 'trainer')))) {
      expect(c.image).toMatch(/^ghcr\.io\/trade-matrix\/(trader|models):[\w.-]+$/);
      if (b !== 'base') expect(c.image).not.toMatch(/:latest$/);
    }
  });

  it('keeps the V8 heap limit under 80% of the container memory limit', () => {
    const heap = Number(/--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS ?? '')?.[1]);
    const limit = mebibytes(((trader.resources as Obj).limits as Record<string, string>).memory!);
    expect(heap).toBeGreaterThan(0);
    expect(heap).toBeLessThan(limit * 0.8);
  });

  it('boots: the ConfigMaps plus the example secret make a valid trader configuration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-config-'));
    try {
      const file = join(dir, 'trader.json');
      writeFileSync(file, one(objects, 'ConfigMap', 'trader-config').data ? ((one(objects, 'ConfigMap', 'trader-config').data as Record<string, string>)['trader.json'] ?? '') : '');
      const mount = (trader.volumeMounts as { name: string; mountPath: string }[]).find((m) => m.name === 'config')!;
      expect(env.TM_CONFIG).toBe(`${mount.mountPath}/trader.json`);
      const config = loadConfig({ ...env, ...exampleSecret().stringData, TM_CONFIG: file });
      expect(config.http.port).toBe(3000);
      expect(config.artifacts.kind).toBe('s3');
      expect(config.redis.url).not.toBeNull();
      expect(config.apiKeys.map((k) => k.role).sort()).toEqual(['operate', 'read']);
      expect(config.shutdown.graceMs).toBe(Number(env.TRADER_SHUTDOWN_GRACE_MS));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes every credential from the one Secret, never from a literal value', () => {
    const secretish = /KEY|SECRET|PASSWORD|TOKEN/i;
    const credentialsInUrl = /\/\/[^/@\s]*:[^/@\s]+@/;
    const refs: { name: string; key: string }[] = [];
    for (const w of objects.filter((o) => podSpecOf(o))) {
      for (const c of containersOf(w)) {
        for (const e of (c.env as { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] | undefined) ?? []) {
          if (secretish.test(e.name) || /_URL$/.test(e.name)) {
            if (e.value !== undefined) expect({ env: e.name, literal: e.value }).toEqual({ env: e.name, literal: expect.not.stringMatching(secretish.test(e.name) ? /[\s\S]*/ : credentialsInUrl) });
          }
          if (e.valueFrom?.secretKeyRef) refs.push(e.valueFrom.secretKeyRef);
        }
        for (const src of (c.envFrom as { secretRef?: { name: string } }[] | undefined) ?? []) if (src.secretRef) refs.push({ name: src.secretRef.name, key: '*' });
      }
      for (const v of (podSpecOf(w)!.volumes as { secret?: { secretName: string } }[] | undefined) ?? []) if (v.secret) refs.push({ name: v.secret.secretName, key: '*' });
    }
    expect(refs.length).toBeGreaterThan(0);
    expect([...new Set(refs.map((r) => r.name))]).toEqual([SECRET_NAME]);
    const example = Object.keys(exampleSecret().stringData);
    for (const r of refs) expect(example).toContain(r.key);
    for (const cm of objects.filter((o) => o.kind === 'ConfigMap')) {
      for (const [k, v] of Object.entries((cm.data ?? {}) as Record<string, string>)) {
        expect({ key: k, secretish: secretish.test(k) }).toEqual({ key: k, secretish: false });
        expect({ key: k, value: v }).toEqual({ key: k, value: expect.not.stringMatching(credentialsInUrl) });
      }
    }
  });

  it('exposes port http through the Service, scraped by the ServiceMonitor at /metrics every 15s', () => {
    const service = one(objects, 'Service', 'trader').spec as { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string | number }[] };
    const labels = ((deployment.spec as Obj).template as { metadata: { labels: Record<string, string> } }).metadata.labels;
    expect(labels).toMatchObject(service.selector);
    expect(service.ports).toContainEqual({ name: 'http', port: 3000, targetPort: 'http', protocol: 'TCP' });
    const monitor = one(objects, 'ServiceMonitor', 'trader');
    const spec = monitor.spec as { selector: { matchLabels: Record<string, string> }; endpoints: Obj[] };
    expect(one(objects, 'Service', 'trader').metadata.labels).toMatchObject(spec.selector.matchLabels);
    expect(spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics', interval: '15s' })]);
    if (b !== 'base') expect(monitor.metadata.namespace).toBe(deployment.metadata.namespace);
  });

  it('guards the pod with a PDB that selects it (minAvailable 1 for live, drains allowed on paper)', () => {
    const pdb = one(objects, 'PodDisruptionBudget', 'trader').spec as { selector: { matchLabels: Record<string, string> }; minAvailable?: number; maxUnavailable?: number };
    const labels = ((deployment.spec as Obj).template as { metadata: { labels: Record<string, string> } }).metadata.labels;
    expect(labels).toMatchObject(pdb.selector.matchLabels);
    expect((pdb.minAvailable === undefined) !== (pdb.maxUnavailable === undefined)).toBe(true);
    if (b === 'overlays/paper') expect(pdb).toMatchObject({ maxUnavailable: 1 });
    else expect(pdb).toMatchObject({ minAvailable: 1 });
  });

  it('sets the namespace in the overlays only', () => {
    const namespaces = new Set(objects.map((o) => o.metadata.namespace));
    if (b === 'base') expect([...namespaces]).toEqual([undefined]);
    else expect([...namespaces]).toEqual([b === 'overlays/live' ? 'trade-matrix-live' : 'trade-matrix-paper']);
  });
});

describe.each(TRADER_BUILDS.map((b) => [b]))('k8s %s: the trainer CronJob', (b) => {
  const objects = rendered[b].objects;
  const cron = one(objects, 'CronJob', 'trainer');
  const spec = cron.spec as { schedule: string; concurrencyPolicy: string; timeZone?: string };

  it('runs weekly, never overlapping', () => {
    const fields = spec.schedule.trim().split(/\s+/);
    expect(fields).toHaveLength(5);
    const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
    expect(minute).toMatch(/^\d{1,2}$/);
    expect(hour).toMatch(/^\d{1,2}$/);
    expect([dom, month]).toEqual(['*', '*']);
    expect(dow).toMatch(/^[0-7]$/);
    expect(spec.concurrencyPolicy).toBe('Forbid');
  });

  it('trains with the gates, publishes to S3, and fails when nothing is promotable', () => {
    const train = containersOf(cron).find((c) => c.name === 'train')!;
    const script = (train.command as string[]).join(' ');
    expect(script).toContain('dist/apps/trainer/src/cli/train.cli.js --data /work/data');
    expect(script).toMatch(/gates\.promotable[\s\S]*process\.exit\(3\)/);
    expect(envMap(objects).TM_ARTIFACT_STORE).toBe('s3');
    expect((train.envFrom as { configMapRef: { name: string } }[])[0]!.configMapRef.name).toBe('trader-env');
    const ingest = containersOf(cron).find((c) => c.name === 'ingest')!;
    expect((ingest.command as string[]).slice(0, 2)).toEqual(['node', 'dist/apps/trader/src/cli/ingest.cli.js']);
    expect((podSpecOf(cron)!.securityContext as Obj).runAsNonRoot).toBe(true);
  });
});
