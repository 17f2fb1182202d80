import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ROOT } from './paths.js';

/**
 * kubernetes-models' validate() accepts unknown properties, so a typo such as `readinesProbe`
 * would pass silently (the API server would drop it too). This walks an object along the model's
 * TypeScript declarations and reports every property the declared type does not have. Inline
 * object types and maps are not descended into.
 */
const NODE_MODULES = join(ROOT, 'node_modules');

const ROOTS: Readonly<Record<string, string>> = {
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Secret': 'kubernetes-models/v1/Secret',
  'v1/Service': 'kubernetes-models/v1/Service',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'batch/v1/CronJob': 'kubernetes-models/batch/v1/CronJob',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'monitoring.coreos.com/v1/PrometheusRule': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
  'monitoring.coreos.com/v1/ServiceMonitor': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
};

interface Declaration {
  readonly props: ReadonlyMap<string, string>;
  readonly imports: ReadonlyMap<string, string>;
}
const cache = new Map<string, Declaration>();

function declarationFile(spec: string, from?: string): string {
  const base = spec.startsWith('.') ? resolve(dirname(from!), spec) : join(NODE_MODULES, spec);
  return `${base.replace(/\.js$/, '')}.d.ts`;
}

function declaration(file: string, name: string): Declaration | null {
  const key = `${file}#${name}`;
  if (cache.has(key)) return cache.get(key)!;
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  const imports = new Map<string, string>();
  for (const m of text.matchAll(/^import \{ ([^}]+) \} from "([^"]+)";$/gm)) {
    for (const n of m[1]!.split(',').map((s) => s.trim())) imports.set(n, declarationFile(m[2]!, file));
  }
  // Types are imported under their long OpenAPI name and re-exported as an alias of the short one.
  const local = new RegExp(`export type \\{ (\\w+) as ${name}[,\\s]`).exec(text)?.[1] ?? name;
  const start = text.indexOf(`export interface ${local} `);
  if (start < 0) return null;
  const body = text.slice(start, text.indexOf('\n}', start));
  const props = new Map<string, string>();
  for (const m of body.matchAll(/^ {4}"([^"]+)"\??: (.*)$/gm)) props.set(m[1]!, m[2]!.replace(/;$/, ''));
  const decl = { props, imports };
  cache.set(key, decl);
  return decl;
}

function walk(value: unknown, file: string, name: string, path: string, out: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const decl = declaration(file, name);
  if (!decl) return;
  for (const [k, v] of Object.entries(value)) {
    const type = decl.props.get(k);
    if (type === undefined) {
      out.push(`${path}.${k}`);
      continue;
    }
    const element = /^Array<(I[A-Za-z0-9]+)>$/.exec(type)?.[1];
    const direct = /^(I[A-Za-z0-9]+)$/.exec(type)?.[1];
    const next = element ?? direct;
    if (!next || !decl.imports.has(next)) continue;
    const nextFile = decl.imports.get(next)!;
    if (element && Array.isArray(v)) v.forEach((e, i) => walk(e, nextFile, next, `${path}.${k}[${i}]`, out));
    else if (direct) walk(v, nextFile, next, `${path}.${k}`, out);
  }
}

/** Property paths the model's declarations do not know; throws for a kind without a model. */
export function unknownFields(obj: { apiVersion: string; kind: string }): string[] {
  const spec = ROOTS[`${obj.apiVersion}/${obj.kind}`];
  if (!spec) throw new Error(`no declaration root for ${obj.apiVersion} ${obj.kind}`);
  const out: string[] = [];
  walk(obj, declarationFile(spec), `I${obj.kind}`, obj.kind, out);
  return out;
}
