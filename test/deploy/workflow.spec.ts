import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { K8S, ROOT } from './support/paths.js';
import { build } from './support/kustomize.js';

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, string | number | boolean>;
  readonly env?: Record<string, string>;
}
interface Workflow {
  readonly on: { schedule: { cron: string }[]; workflow_dispatch: { inputs: Record<string, { options?: string[] }> } };
  readonly permissions: Record<string, string>;
  readonly concurrency: { group: string; 'cancel-in-progress': boolean };
  readonly jobs: Record<string, { env?: Record<string, string>; steps: Step[] }>;
}

const PATH = join(ROOT, '.github/workflows/weekly-models.yml');
const text = readFileSync(PATH, 'utf8');
const workflow = parse(text) as Workflow;
const job = Object.values(workflow.jobs)[0]!;
const steps = job.steps;
const indexOf = (predicate: (s: Step) => boolean, what: string) => {
  const i = steps.findIndex(predicate);
  if (i < 0) throw new Error(`weekly-models.yml: no step ${what}`);
  return i;
};

describe('.github/workflows/weekly-models.yml', () => {
  it('runs weekly and on demand, one run at a time', () => {
    const [minute, hour, dom, month, dow] = workflow.on.schedule[0]!.cron.split(/\s+/);
    expect([dom, month]).toEqual(['*', '*']);
    expect(dow).toMatch(/^[0-6]$/);
    expect(`${minute} ${hour}`).toMatch(/^\d{1,2} \d{1,2}$/);
    expect(workflow.on.workflow_dispatch.inputs.target!.options).toEqual(['paper', 'live']);
    expect(workflow.concurrency['cancel-in-progress']).toBe(false);
    expect(workflow.permissions).toEqual({ contents: 'read', packages: 'write' });
  });

  it('checks out, sets up Node 20, installs with npm ci, builds, gets data, trains, enforces the gates, ships, rolls out, in that order', () => {
    const order = [
      indexOf((s) => s.uses?.startsWith('actions/checkout@') === true, 'checkout'),
      indexOf((s) => s.uses?.startsWith('actions/setup-node@') === true && s.with?.['node-version'] === 20, 'setup-node 20'),
      indexOf((s) => s.run?.trim() === 'npm ci', 'npm ci'),
      indexOf((s) => s.run?.includes('npm run -s build') === true, 'build'),
      indexOf((s) => s.run?.includes('ingest.cli.js') === true, 'ingest'),
      indexOf((s) => s.run?.includes('dist/apps/trainer/src/cli/train.cli.js') === true, 'train'),
      indexOf((s) => s.run?.includes('gates.promotable') === true, 'gate check'),
      indexOf((s) => s.uses?.startsWith('docker/build-push-action@') === true, 'model image build'),
      indexOf((s) => s.run?.includes('rollout restart deployment/trader') === true, 'rollout'),
    ];
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const gate = steps[order[6]!]!.run!;
    expect(gate).toMatch(/promoted\.length === 0[\s\S]*process\.exit\(1\)/);
    expect(steps[order[8]!]!.run).toMatch(/rollout status deployment\/trader --timeout=\d+m/);
  });

  it('builds and pushes only the model image, from docker/models.Dockerfile with the BASE build-arg', () => {
    const builds = steps.filter((s) => s.uses?.startsWith('docker/build-push-action@'));
    expect(builds).toHaveLength(1);
    expect(builds[0]!.with).toMatchObject({ file: 'docker/models.Dockerfile', push: true });
    expect(String(builds[0]!.with!['build-args'])).toMatch(/^BASE=/m);
    expect(String(builds[0]!.with!.tags)).toContain('${{ env.MODELS_IMAGE }}:${{ env.TARGET }}');
    expect(text).not.toMatch(/trade-matrix\/trader:/);
  });

  it('trains into the folder the trader pods read models from, so the file:// URIs it registers resolve there', () => {
    for (const overlay of ['paper', 'live']) {
      const env = build(join(K8S, 'overlays', overlay)).objects.find((o) => o.kind === 'ConfigMap' && (o.metadata as { name: string }).name.endsWith('trader-env'));
      expect((env as unknown as { data: Record<string, string> }).data.TM_ARTIFACT_DIR).toBe(job.env!.TM_ARTIFACT_DIR);
    }
    // The model image is built from var/artifacts: versions the registry no longer needs are pruned,
    // then the trained folder is staged there before the build.
    const train = indexOf((s) => (s.run ?? '').includes('train.cli.js'), 'training');
    const prune = indexOf((s) => (s.run ?? '').includes('prune-models.cli.js'), 'pruning old model versions');
    const stage = indexOf((s) => (s.run ?? '').includes('var/artifacts'), 'staging the models');
    expect(train).toBeLessThan(prune);
    expect(prune).toBeLessThan(stage);
    expect(stage).toBeLessThan(indexOf((s) => s.with?.file === 'docker/models.Dockerfile', 'building the model image'));
  });

  it('takes credentials from secrets only', () => {
    const envs = [job.env ?? {}, ...steps.map((s) => s.env ?? {})];
    for (const env of envs) {
      for (const [k, v] of Object.entries(env)) {
        if (/KEY|SECRET|PASSWORD|TOKEN|DATABASE_URL|KUBECONFIG/.test(k)) expect({ k, v }).toEqual({ k, v: expect.stringMatching(/^\$\{\{ secrets\.[A-Z0-9_]+ \}\}$/) });
      }
    }
    expect(text).toContain('secrets.KUBECONFIG_B64');
  });
});
