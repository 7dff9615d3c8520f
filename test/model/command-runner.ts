import { Polystore } from '../../src/index.js';
import type { Command, Write } from './model-commands.js';
import type { notes, people } from './model-entities.js';
import type { ReferenceModel } from './reference-model.js';

export type ModelDb = Polystore<typeof people | typeof notes>;

type Loose = Record<string, unknown>;
type Versioned = Loose & { $version: number };

/** The write calls of an entity client, untyped: the commands carry records of either entity. */
interface WriteClient {
  create(record: Loose): Promise<Versioned>;
  createMany(records: readonly Loose[]): Promise<Versioned[]>;
  update(id: string, patch: Loose, options?: { expectedVersion?: number }): Promise<Versioned>;
  delete(id: string, options?: { expectedVersion?: number }): Promise<{ id: string; $version: number }>;
}

interface ReadClient {
  get(id: string, options?: { consistency?: string }): Promise<Versioned | null>;
  getMany(ids: readonly string[], options?: { consistency?: string }): Promise<(Versioned | null)[]>;
  find(filter: Loose, options?: { limit?: number }): Promise<Versioned[]>;
  count(filter: Loose): Promise<number>;
  search(
    query: { where?: Loose; limit?: number },
    options?: { consistency?: string },
  ): Promise<{ hits: { record: Versioned }[]; total: number }>;
}

/** The coming transaction API, as far as the commands use it. */
interface TransactionalDb {
  transaction<R>(fn: (tx: { entity(name: string): WriteClient }) => Promise<R>): Promise<R>;
}

/** True when this build of Polystore has `db.transaction` (transaction commands are generated only then). */
export function hasTransactions(): boolean {
  return typeof (Polystore.prototype as unknown as { transaction?: unknown }).transaction === 'function';
}

export function writeClient(db: ModelDb, entity: string): WriteClient {
  return db.entity(entity as 'people') as unknown as WriteClient;
}

export function readClient(db: ModelDb, entity: string): ReadClient {
  return db.entity(entity as 'people') as unknown as ReadClient;
}

/** A write with its expected version resolved against the model when its group started. */
export interface ResolvedWrite {
  readonly write: Write;
  readonly expectedVersion: number | undefined;
}

/** What a write command's call returned: per write, its version and the record it returned (null for deletes). */
export interface WriteResult {
  readonly versions: readonly number[];
  readonly returned: readonly (Versioned | null)[];
}

export type Outcome<T = unknown> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown };

export interface Executed {
  readonly command: Command;
  readonly resolved: readonly ResolvedWrite[];
  readonly outcome: Outcome;
}

/** Resolves `expect` against the model: `current` is the version the id is at, `stale` one it is not at. */
export function resolveWrites(model: ReferenceModel, command: Command): ResolvedWrite[] {
  if (command.kind !== 'write') return [];
  return command.writes.map((write) => {
    if (write.op === 'create' || write.expect === 'none') return { write, expectedVersion: undefined };
    const current = model.state(write.entity, write.id).version;
    const expectedVersion = write.expect === 'current' ? Math.max(current, 1) : current > 1 ? current - 1 : current + 1;
    return { write, expectedVersion };
  });
}

function optionsOf(resolved: ResolvedWrite): { expectedVersion?: number } {
  return resolved.expectedVersion === undefined ? {} : { expectedVersion: resolved.expectedVersion };
}

async function runOne(client: WriteClient, resolved: ResolvedWrite): Promise<[number, Versioned | null]> {
  const { write } = resolved;
  switch (write.op) {
    case 'create': {
      const created = await client.create(structuredClone(write.record));
      return [created.$version, created];
    }
    case 'update': {
      const updated = await client.update(write.id, structuredClone(write.patch), optionsOf(resolved));
      return [updated.$version, updated];
    }
    case 'delete':
      return [(await client.delete(write.id, optionsOf(resolved))).$version, null];
  }
}

async function runWrite(db: ModelDb, command: Command & { kind: 'write' }, resolved: readonly ResolvedWrite[]) {
  if (command.api === 'createMany') {
    const entity = command.writes[0]!.entity;
    const created = await writeClient(db, entity).createMany(
      command.writes.map((w) => structuredClone((w as Write & { op: 'create' }).record)),
    );
    return { versions: created.map((r) => r.$version), returned: created };
  }
  if (command.api === 'transaction') {
    const results = await (db as unknown as TransactionalDb).transaction(async (tx) => {
      const out: [number, Versioned | null][] = [];
      for (const r of resolved) out.push(await runOne(tx.entity(r.write.entity), r));
      return out;
    });
    return { versions: results.map(([v]) => v), returned: results.map(([, r]) => r) };
  }
  const [version, returned] = await runOne(writeClient(db, resolved[0]!.write.entity), resolved[0]!);
  return { versions: [version], returned: [returned] };
}

async function runRead(db: ModelDb, command: Exclude<Command, { kind: 'write' }>): Promise<unknown> {
  const client = readClient(db, command.entity);
  switch (command.kind) {
    case 'get':
      return client.get(command.id, { consistency: command.consistency });
    case 'getMany':
      return client.getMany(command.ids, { consistency: command.consistency });
    case 'find':
      return client.find({ ...command.filter }, { limit: 10_000 });
    case 'count':
      return client.count({ ...command.filter });
    case 'search':
      return client.search({ where: { ...command.where }, limit: 1000 }, { consistency: 'read-your-writes' });
  }
}

/** Runs one command through the public API; never throws (the outcome holds the error). */
export async function execute(db: ModelDb, command: Command, resolved: readonly ResolvedWrite[]): Promise<Executed> {
  try {
    const value = command.kind === 'write' ? await runWrite(db, command, resolved) : await runRead(db, command);
    return { command, resolved, outcome: { ok: true, value } };
  } catch (error) {
    return { command, resolved, outcome: { ok: false, error } };
  }
}
