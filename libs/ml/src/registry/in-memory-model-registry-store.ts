import type { ModelRegistryStore, ModelVersionQuery, RegistrySnapshot, StageChange, StageDecision, StageUpdate, TagChange } from './model-registry-store.port.js';
import type { ModelVersion, NewModelVersion, StageTransition } from './model-version.js';

/**
 * The registry store in memory, for tests and for tools that need no database. Every method runs
 * without an `await` between its read and its write, which makes each one atomic.
 */
export class InMemoryModelRegistryStore implements ModelRegistryStore {
  private readonly models = new Map<string, ModelVersion[]>();
  private readonly transitions: StageTransition[] = [];
  private seq = 0;

  async create(model: NewModelVersion, at: number, reason: string): Promise<ModelVersion> {
    if (model.parent && !this.find(model.parent.name, model.parent.version)) {
      throw new Error(`registry: parent ${model.parent.name} v${model.parent.version} does not exist`);
    }
    const versions = this.models.get(model.name) ?? [];
    const version = (versions.at(-1)?.version ?? 0) + 1;
    const record: ModelVersion = { ...structuredClone(model), version, stage: 'None', createdAt: at, updatedAt: at, stageChangedAt: at };
    versions.push(record);
    this.models.set(model.name, versions);
    this.transitions.push({ seq: ++this.seq, name: model.name, version, from: null, to: 'None', action: 'register', reason, at });
    return structuredClone(record);
  }

  async get(name: string, version: number): Promise<ModelVersion | null> {
    const model = this.find(name, version);
    return model ? structuredClone(model) : null;
  }

  async list(query: ModelVersionQuery = {}): Promise<ModelVersion[]> {
    const names = query.name !== undefined ? [query.name] : [...this.models.keys()].sort();
    return names
      .flatMap((n) => this.models.get(n) ?? [])
      .filter((v) => (query.stage === undefined || v.stage === query.stage) && (query.tag === undefined || v.tags.includes(query.tag)))
      .map((v) => structuredClone(v));
  }

  async snapshot(name: string): Promise<RegistrySnapshot> {
    return this.snapshotOf(name);
  }

  async updateStages(name: string, decide: StageDecision, at: number): Promise<StageUpdate> {
    const changes: readonly StageChange[] = decide(this.snapshotOf(name));
    const working = (this.models.get(name) ?? []).map((v) => ({ ...v }));
    const transitions: Omit<StageTransition, 'seq'>[] = [];
    for (const change of changes) {
      const i = working.findIndex((v) => v.version === change.version);
      if (i < 0) throw new Error(`registry: ${name} v${change.version} does not exist`);
      const from = working[i]!.stage;
      working[i] = { ...working[i]!, stage: change.to, stageChangedAt: at, updatedAt: at };
      transitions.push({ name, version: change.version, from, to: change.to, action: change.action, reason: change.reason, at });
    }
    if (working.filter((v) => v.stage === 'Production').length > 1) throw new Error(`registry: ${name} would have more than one Production version`);
    if (changes.length > 0) this.models.set(name, working);
    const recorded = transitions.map((t) => ({ ...t, seq: ++this.seq }));
    this.transitions.push(...recorded);
    return { transitions: structuredClone(recorded), versions: structuredClone(working) };
  }

  async updateTags(name: string, version: number, change: TagChange, at: number): Promise<ModelVersion | null> {
    const versions = this.models.get(name) ?? [];
    const i = versions.findIndex((v) => v.version === version);
    if (i < 0) return null;
    const remove = new Set(change.remove ?? []);
    const tags = [...new Set([...versions[i]!.tags, ...(change.add ?? [])])].filter((t) => !remove.has(t));
    versions[i] = { ...versions[i]!, tags, updatedAt: at };
    return structuredClone(versions[i]!);
  }

  async history(name: string, version?: number): Promise<StageTransition[]> {
    return structuredClone(this.transitions.filter((t) => t.name === name && (version === undefined || t.version === version)));
  }

  private find(name: string, version: number): ModelVersion | undefined {
    return this.models.get(name)?.find((v) => v.version === version);
  }

  private snapshotOf(name: string): RegistrySnapshot {
    return structuredClone({
      name,
      versions: this.models.get(name) ?? [],
      history: this.transitions.filter((t) => t.name === name),
    });
  }
}
