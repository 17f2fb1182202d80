import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as plain data. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } } & Record<string, unknown>;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface PatchTarget {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  readonly name?: string;
}
interface Json6902Op {
  readonly op: 'add' | 'remove' | 'replace';
  readonly path: string;
  readonly value?: Json;
}
interface Kustomization {
  readonly namespace?: string;
  readonly resources?: string[];
  readonly labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  readonly images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  readonly replicas?: { name: string; count: number }[];
  readonly patches?: { path?: string; target?: PatchTarget }[];
  readonly configMapGenerator?: { name: string; files?: string[]; literals?: string[] }[];
  readonly generatorOptions?: { disableNameSuffixHash?: boolean; labels?: Record<string, string>; annotations?: Record<string, string> };
}

/** Kinds that are not namespaced (none used here yet; kept so a new one is not silently namespaced). */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass', 'StorageClass']);
const KNOWN_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'labels', 'images', 'replicas', 'patches', 'configMapGenerator', 'generatorOptions']);

export class KustomizeError extends Error {
  constructor(
    readonly code: 'KUSTOMIZE.MISSING_RESOURCE' | 'KUSTOMIZE.PATCH_TARGET' | 'KUSTOMIZE.PATCH_PATH' | 'KUSTOMIZE.UNSUPPORTED' | 'KUSTOMIZE.UNUSED_IMAGE',
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'KustomizeError';
  }
}

/** Every YAML document of a file, empty ones skipped; a YAML error throws with the file name. */
export function readYamlDocuments(path: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  const out: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

/**
 * Strategic merge for the fields these manifests patch: maps merge key by key, lists of objects
 * that all carry `name` (containers, env, volumes, volumeMounts, ports) merge by name, other
 * lists and scalars are replaced.
 */
export function strategicMerge(base: Json, patch: Json): Json {
  if (isObject(base) && isObject(patch)) {
    const out: JsonObject = { ...base };
    for (const [k, v] of Object.entries(patch)) out[k] = k in base ? strategicMerge(base[k]!, v) : clone(v);
    return out;
  }
  const named = (l: Json[]) => l.every((e) => isObject(e) && typeof e.name === 'string');
  if (Array.isArray(base) && Array.isArray(patch) && named(base) && named(patch)) {
    const out = base.map((e) => clone(e));
    for (const p of patch as JsonObject[]) {
      const i = out.findIndex((e) => (e as JsonObject).name === p.name);
      if (i >= 0) out[i] = strategicMerge(out[i]!, p);
      else out.push(clone(p));
    }
    return out;
  }
  return clone(patch);
}

function pointer(path: string): string[] {
  if (!path.startsWith('/')) throw new KustomizeError('KUSTOMIZE.PATCH_PATH', `'${path}' is not a JSON pointer`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** RFC 6902 add/remove/replace; a path that does not exist is an error, as in kustomize. */
export function applyJson6902(doc: JsonObject, ops: readonly Json6902Op[]): JsonObject {
  const out = clone(doc);
  for (const op of ops) {
    const parts = pointer(op.path);
    const last = parts.pop()!;
    let node: Json = out;
    for (const p of parts) {
      const next: Json | undefined = Array.isArray(node) ? node[Number(p)] : isObject(node) ? node[p] : undefined;
      if (next === undefined) throw new KustomizeError('KUSTOMIZE.PATCH_PATH', `${op.op} ${op.path}: '${p}' does not exist`);
      node = next;
    }
    if (!isObject(node) && !Array.isArray(node)) throw new KustomizeError('KUSTOMIZE.PATCH_PATH', `${op.op} ${op.path}: parent is a scalar`);
    const container = node as JsonObject;
    const exists = Array.isArray(node) ? Number(last) < node.length : last in container;
    if (op.op !== 'add' && !exists) throw new KustomizeError('KUSTOMIZE.PATCH_PATH', `${op.op} ${op.path}: does not exist`);
    if (op.op === 'remove') {
      if (Array.isArray(node)) node.splice(Number(last), 1);
      else delete container[last];
    } else {
      if (op.value === undefined) throw new KustomizeError('KUSTOMIZE.PATCH_PATH', `${op.op} ${op.path}: no value`);
      if (Array.isArray(node)) {
        if (last === '-') node.push(clone(op.value));
        else node.splice(Number(last), op.op === 'replace' ? 1 : 0, clone(op.value));
      } else container[last] = clone(op.value);
    }
  }
  return out;
}

function matches(obj: K8sObject, target: PatchTarget): boolean {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  return (
    (target.kind === undefined || target.kind === obj.kind) &&
    (target.name === undefined || target.name === obj.metadata.name) &&
    (target.group === undefined || target.group === group) &&
    (target.version === undefined || target.version === version)
  );
}

/** Containers and init containers of a workload, whatever its kind. */
export function podSpecOf(obj: K8sObject): JsonObject | null {
  const spec = obj.spec as JsonObject | undefined;
  if (!spec) return null;
  if (obj.kind === 'CronJob') return ((((spec.jobTemplate as JsonObject).spec as JsonObject).template as JsonObject).spec as JsonObject) ?? null;
  if (isObject(spec.template) && isObject(spec.template.spec)) return spec.template.spec;
  return null;
}

export function containersOf(obj: K8sObject): JsonObject[] {
  const pod = podSpecOf(obj);
  if (!pod) return [];
  return [...((pod.initContainers as JsonObject[] | undefined) ?? []), ...((pod.containers as JsonObject[] | undefined) ?? [])];
}

function imageName(image: string): string {
  const at = image.indexOf('@');
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const colon = noDigest.lastIndexOf(':');
  return colon > noDigest.lastIndexOf('/') ? noDigest.slice(0, colon) : noDigest;
}

export interface BuildResult {
  readonly objects: K8sObject[];
  /** Every file the build read, relative to the repository (to find stray manifests). */
  readonly files: string[];
}

/**
 * A small `kustomize build` for the features k8s/ uses: resources (files and directories),
 * namespace, labels, images, replicas, patches (strategic merge and JSON 6902, each required to hit
 * an existing object), configMapGenerator (files, without name hash). Anything else is refused so
 * that a new feature cannot slip past the checks unrendered.
 */
export function build(dir: string, root = dir): BuildResult {
  const kfile = join(dir, 'kustomization.yaml');
  if (!existsSync(kfile)) throw new KustomizeError('KUSTOMIZE.MISSING_RESOURCE', `${kfile} does not exist`);
  const k = readYamlDocuments(kfile)[0] as Kustomization & Record<string, unknown>;
  for (const key of Object.keys(k)) {
    if (!KNOWN_FIELDS.has(key)) throw new KustomizeError('KUSTOMIZE.UNSUPPORTED', `${kfile}: field '${key}' is not supported by the test resolver`);
  }
  const files = [relative(root, kfile)];
  let objects: K8sObject[] = [];
  for (const r of k.resources ?? []) {
    const path = resolve(dir, r);
    if (!existsSync(path)) throw new KustomizeError('KUSTOMIZE.MISSING_RESOURCE', `${kfile}: resource '${r}' does not exist`);
    if (statSync(path).isDirectory()) {
      const sub = build(path, root);
      objects.push(...sub.objects);
      files.push(...sub.files);
    } else {
      objects.push(...(readYamlDocuments(path) as K8sObject[]));
      files.push(relative(root, path));
    }
  }
  for (const gen of k.configMapGenerator ?? []) {
    if (k.generatorOptions?.disableNameSuffixHash !== true) throw new KustomizeError('KUSTOMIZE.UNSUPPORTED', `${kfile}: name hashes are not reproduced by the test resolver`);
    const data: Record<string, string> = {};
    for (const f of gen.files ?? []) {
      const path = resolve(dir, f);
      if (!existsSync(path)) throw new KustomizeError('KUSTOMIZE.MISSING_RESOURCE', `${kfile}: generator file '${f}' does not exist`);
      data[f.split('/').pop()!] = readFileSync(path, 'utf8');
      files.push(relative(root, path));
    }
    if (gen.literals?.length) throw new KustomizeError('KUSTOMIZE.UNSUPPORTED', `${kfile}: literals`);
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: gen.name, labels: { ...k.generatorOptions.labels }, annotations: { ...k.generatorOptions.annotations } },
      data,
    });
  }
  for (const patch of k.patches ?? []) {
    if (!patch.path) throw new KustomizeError('KUSTOMIZE.UNSUPPORTED', `${kfile}: inline patches`);
    const path = resolve(dir, patch.path);
    if (!existsSync(path)) throw new KustomizeError('KUSTOMIZE.MISSING_RESOURCE', `${kfile}: patch '${patch.path}' does not exist`);
    files.push(relative(root, path));
    const body = readYamlDocuments(path)[0];
    if (Array.isArray(body)) {
      if (!patch.target) throw new KustomizeError('KUSTOMIZE.PATCH_TARGET', `${patch.path}: a JSON 6902 patch needs a target`);
      const hits = objects.filter((o) => matches(o, patch.target!));
      if (hits.length === 0) throw new KustomizeError('KUSTOMIZE.PATCH_TARGET', `${patch.path}: no object matches ${JSON.stringify(patch.target)}`);
      objects = objects.map((o) => (hits.includes(o) ? (applyJson6902(o as unknown as JsonObject, body as Json6902Op[]) as unknown as K8sObject) : o));
    } else {
      const p = body as K8sObject;
      const target: PatchTarget = patch.target ?? { kind: p.kind, name: p.metadata?.name };
      const hits = objects.filter((o) => matches(o, target) && (patch.target !== undefined || o.apiVersion === p.apiVersion));
      if (hits.length === 0) throw new KustomizeError('KUSTOMIZE.PATCH_TARGET', `${patch.path}: no ${target.kind} '${target.name}' in the resources`);
      objects = objects.map((o) => (hits.includes(o) ? (strategicMerge(o as unknown as Json, p as unknown as Json) as unknown as K8sObject) : o));
    }
  }
  for (const r of k.replicas ?? []) {
    const hits = objects.filter((o) => ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(o.kind) && o.metadata.name === r.name);
    if (hits.length === 0) throw new KustomizeError('KUSTOMIZE.PATCH_TARGET', `${kfile}: replicas for unknown workload '${r.name}'`);
    for (const o of hits) (o.spec as JsonObject).replicas = r.count;
  }
  for (const img of k.images ?? []) {
    let used = false;
    for (const o of objects) {
      for (const c of containersOf(o)) {
        const image = c.image as string;
        if (imageName(image) !== img.name) continue;
        used = true;
        const name = img.newName ?? img.name;
        c.image = img.digest ? `${name}@${img.digest}` : `${name}:${img.newTag ?? (image.slice(imageName(image).length + 1) || 'latest')}`;
      }
    }
    if (!used) throw new KustomizeError('KUSTOMIZE.UNUSED_IMAGE', `${kfile}: image '${img.name}' is used by no container`);
  }
  for (const l of k.labels ?? []) {
    if (l.includeSelectors || l.includeTemplates) throw new KustomizeError('KUSTOMIZE.UNSUPPORTED', `${kfile}: labels into selectors/templates`);
    for (const o of objects) o.metadata.labels = { ...o.metadata.labels, ...l.pairs };
  }
  if (k.namespace) {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  return { objects, files };
}

