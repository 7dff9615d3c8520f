import { isPolystoreError } from '../../src/index.js';
import { type ModelDb, readClient, writeClient } from './command-runner.js';
import { ENTITY_NAMES, type EntityName } from './model-entities.js';
import { describeError, StalledViews } from './model-violation.js';
import { checkRead } from './read-checks.js';
import { canon, contentOf, mergePatch, type ReferenceModel, showKey } from './reference-model.js';

export interface ModelKey {
  readonly entity: EntityName;
  readonly id: string;
}

async function attempt<T>(read: () => Promise<T>, what: string, out: string[]): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    out.push(`${what} failed with ${describeError(error)}`);
    if (isPolystoreError(error, 'PS_ERR_CONSISTENCY_TIMEOUT')) throw new StalledViews(out);
    return undefined;
  }
}

/**
 * Reads each key at every consistency level once no write is running. Strong
 * and read-your-writes must return exactly the model's state; an eventual
 * read may lag (any acknowledged version, never a newer one) unless `settled`
 * (after catchUp), when it must be exact too.
 */
export async function compareLevels(
  db: ModelDb,
  model: ReferenceModel,
  keys: readonly ModelKey[],
  settled: boolean,
): Promise<string[]> {
  const out: string[] = [];
  for (const { entity, id } of keys) {
    const client = readClient(db, entity);
    const current = model.state(entity, id);
    const name = showKey(entity, id);
    for (const consistency of ['strong', 'read-your-writes', 'eventual'] as const) {
      const what = `get(${name}, ${consistency})`;
      const got = await attempt(() => client.get(id, { consistency }), what, out);
      if (got === undefined) continue;
      const exact = consistency !== 'eventual' || settled;
      if (got !== null && got.$version > current.version) {
        out.push(`${what} returned v${got.$version}, newer than the home's v${current.version}`);
        continue;
      }
      if (exact && (got === null) !== (current.record === null)) {
        out.push(
          `${what} returned ${got === null ? 'null' : `v${got.$version}`}, but the id is ${current.record === null ? `absent (v${current.version})` : `live at v${current.version}`}`,
        );
        continue;
      }
      out.push(...checkRead(model, entity, id, got, exact ? [current] : undefined, what));
    }
  }
  return out;
}

/** Reads every id of the pool with getMany at each level; all must be exact (call after catchUp). */
export async function compareGetMany(db: ModelDb, model: ReferenceModel, ids: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const entity of ENTITY_NAMES) {
    for (const consistency of ['strong', 'read-your-writes', 'eventual'] as const) {
      const what = `getMany(${entity}, ${consistency})`;
      const got = await attempt(() => readClient(db, entity).getMany(ids, { consistency }), what, out);
      if (!got) continue;
      ids.forEach((id, i) => {
        out.push(...checkRead(model, entity, id, got[i] ?? null, [model.state(entity, id)], what));
      });
    }
  }
  return out;
}

/**
 * For each entity, the first live id among `keys`: reads it with
 * read-your-writes, updates it with `probe` at that version, and expects the
 * patch merged onto exactly what the read returned, one version up.
 */
export async function probeUpdates(
  db: ModelDb,
  model: ReferenceModel,
  keys: readonly ModelKey[],
  probe: Readonly<Record<EntityName, Record<string, unknown>>>,
): Promise<string[]> {
  const out: string[] = [];
  for (const entity of ENTITY_NAMES) {
    const key = keys.find((k) => k.entity === entity && model.state(entity, k.id).record !== null);
    if (!key) continue;
    const name = showKey(entity, key.id);
    const got = await attempt(
      () => readClient(db, entity).get(key.id, { consistency: 'read-your-writes' }),
      `get(${name}, read-your-writes) before the probe update`,
      out,
    );
    if (!got) continue;
    const patch = probe[entity];
    const what = `update(${name}, ${Object.keys(patch).join('+')}, expectedVersion v${got.$version})`;
    const updated = await attempt(
      () => writeClient(db, entity).update(key.id, structuredClone(patch), { expectedVersion: got.$version }),
      what,
      out,
    );
    if (!updated) continue;
    const expected = mergePatch(contentOf(got), patch);
    if (updated.$version !== got.$version + 1) out.push(`${what} returned v${updated.$version}`);
    if (canon(contentOf(updated)) !== canon(expected)) {
      out.push(`${what} returned ${canon(contentOf(updated))}, not the patch merged onto the read: ${canon(expected)}`);
    }
    const before = model.state(entity, key.id).record;
    if (before) model.record(entity, key.id, { version: updated.$version, record: mergePatch(before, patch) });
  }
  return out;
}
