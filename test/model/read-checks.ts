import type { Executed } from './command-runner.js';
import type { Command } from './model-commands.js';
import { type EntityName, SCHEMAS } from './model-entities.js';
import {
  canon,
  contentOf,
  type IdState,
  keyOf,
  matchesFilter,
  type ReferenceModel,
  showKey,
} from './reference-model.js';

type Versioned = Record<string, unknown> & { $version: number };

/** Every record a read or write returns must be a value of its schema (Dates as Dates, no null for an optional). */
export function schemaViolation(entity: EntityName, record: Record<string, unknown>): string | undefined {
  const { $version: _version, ...rest } = record;
  const parsed = SCHEMAS[entity].safeParse(rest);
  if (parsed.success) return undefined;
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`);
  return `a record its schema rejects (${issues.slice(0, 3).join('; ')})`;
}

/**
 * Checks one record a read returned for `entity`/`id`: it must be a value of
 * the schema and hold exactly what the model says its version held. With a
 * `window` (the states the id went through while the read ran) the version
 * must be one of them; without, any acknowledged version will do (an
 * eventual read may lag). Null must match an absent state the same way.
 */
export function checkRead(
  model: ReferenceModel,
  entity: EntityName,
  id: string,
  got: Versioned | null,
  window: readonly IdState[] | undefined,
  what: string,
): string[] {
  const name = `${what} of ${showKey(entity, id)}`;
  if (got === null) {
    if (window && !window.some((state) => state.record === null)) {
      return [
        `${name} returned null, but the id was live throughout (at v${window.map((s) => s.version).join(', v')})`,
      ];
    }
    return [];
  }
  const out: string[] = [];
  const bad = schemaViolation(entity, got);
  if (bad) out.push(`${name} returned ${bad}`);
  if (got.id !== id) out.push(`${name} returned the record of id ${JSON.stringify(got.id)}`);
  const version = got.$version;
  if (window && !window.some((state) => state.version === version && state.record !== null)) {
    out.push(
      `${name} returned v${version}, but the id was at ${window.map((s) => `v${s.version}${s.record ? '' : ' (absent)'}`).join(', ')} while it ran`,
    );
    return out;
  }
  const expected = model.at(entity, id, version);
  if (expected === undefined) out.push(`${name} returned v${version}, a version no write was acknowledged at`);
  else if (expected === null) out.push(`${name} returned a record at v${version}, where the id was deleted`);
  else if (canon(contentOf(got)) !== canon(expected)) {
    out.push(`${name} returned at v${version} ${canon(contentOf(got))}, but v${version} holds ${canon(expected)}`);
  }
  return out;
}

/**
 * Checks the reads of a step. Strong and read-your-writes reads must return a
 * state the id was in while the step ran (for ids the step did not write,
 * their state before it); eventual reads any acknowledged state. In a
 * sequential step find, count and search must match the model exactly; in a
 * concurrent one each record they return is checked against its version.
 */
export function checkStepReads(
  model: ReferenceModel,
  executed: readonly Executed[],
  windows: ReadonlyMap<string, { states: IdState[] }>,
  concurrent: boolean,
): string[] {
  const out: string[] = [];
  const windowOf = (entity: EntityName, id: string) =>
    windows.get(keyOf(entity, id))?.states ?? [model.state(entity, id)];
  executed.forEach((e, index) => {
    const { command } = e;
    if (command.kind === 'write') return;
    const what = `#${index} ${describeRead(command)}`;
    if (!e.outcome.ok) {
      out.push(`${what} failed: ${String((e.outcome.error as Error)?.message ?? e.outcome.error).slice(0, 300)}`);
      return;
    }
    const value = e.outcome.value;
    switch (command.kind) {
      case 'get': {
        const window = command.consistency === 'eventual' ? undefined : windowOf(command.entity, command.id);
        out.push(...checkRead(model, command.entity, command.id, value as Versioned | null, window, what));
        return;
      }
      case 'getMany': {
        const list = value as (Versioned | null)[];
        if (list.length !== command.ids.length) out.push(`${what} returned ${list.length} entries`);
        command.ids.forEach((id, i) => {
          const window = command.consistency === 'eventual' ? undefined : windowOf(command.entity, id);
          out.push(...checkRead(model, command.entity, id, list[i] ?? null, window, what));
        });
        return;
      }
      case 'count': {
        const expected = [...model.live(command.entity).values()].filter((s) =>
          matchesFilter(s.record!, command.filter),
        ).length;
        if (!concurrent && value !== expected)
          out.push(`${what} returned ${String(value)}, the model counts ${expected}`);
        return;
      }
      case 'find':
      case 'search': {
        const records =
          command.kind === 'find'
            ? (value as Versioned[])
            : (value as { hits: { record: Versioned }[] }).hits.map((hit) => hit.record);
        for (const record of records) {
          out.push(...checkRead(model, command.entity, String(record.id), record, undefined, what));
        }
        if (concurrent) return;
        const filter = command.kind === 'find' ? command.filter : searchFilterAsRecordFilter(command.where);
        const expected = [...model.live(command.entity)]
          .filter(([, s]) => matchesFilter(s.record!, filter))
          .map(([id, s]) => `${JSON.stringify(id)}@v${s.version}`)
          .sort();
        const got = records.map((r) => `${JSON.stringify(r.id)}@v${r.$version}`).sort();
        if (canon(got) !== canon(expected))
          out.push(`${what} returned [${got.join(', ')}], the model has [${expected.join(', ')}]`);
        return;
      }
    }
  });
  return out;
}

/** The search views index `pinned` from `meta.pinned`; every other where field is a record field. */
function searchFilterAsRecordFilter(where: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(where).map(([key, value]) => [key === 'pinned' ? 'meta.pinned' : key, value]),
  );
}

export function describeRead(command: Exclude<Command, { kind: 'write' }>): string {
  switch (command.kind) {
    case 'get':
      return `get(${showKey(command.entity, command.id)}, ${command.consistency})`;
    case 'getMany':
      return `getMany(${command.entity} ${JSON.stringify(command.ids)}, ${command.consistency})`;
    case 'find':
    case 'count':
      return `${command.kind}(${command.entity} ${JSON.stringify(command.filter)})`;
    case 'search':
      return `search(${command.entity} where ${JSON.stringify(command.where)}, read-your-writes)`;
  }
}
