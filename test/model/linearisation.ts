import { isPolystoreError } from '../../src/index.js';
import type { Executed, ResolvedWrite, WriteResult } from './command-runner.js';
import type { EntityName } from './model-entities.js';
import { describeError } from './model-violation.js';
import {
  canon,
  contentOf,
  type IdState,
  jsonForm,
  keyOf,
  mergePatch,
  type ReferenceModel,
  showKey,
} from './reference-model.js';

/** The codes a write may lose a race with: each says which state it met. */
const LOSING_CODES = new Set(['PS_ERR_ALREADY_EXISTS', 'PS_ERR_NOT_FOUND', 'PS_ERR_VERSION_CONFLICT']);

type Applied =
  | { readonly ok: true; readonly next: IdState }
  | { readonly ok: false; readonly code: string; readonly currentVersion?: number };

/** What one write does to one id's state, by the documented rules. */
export function applyWrite(state: IdState, resolved: ResolvedWrite): Applied {
  const { write, expectedVersion } = resolved;
  if (write.op === 'create') {
    if (state.record !== null) return { ok: false, code: 'PS_ERR_ALREADY_EXISTS' };
    return { ok: true, next: { version: state.version + 1, record: jsonForm(write.record) } };
  }
  if (state.record === null) return { ok: false, code: 'PS_ERR_NOT_FOUND' };
  if (expectedVersion !== undefined && expectedVersion !== state.version) {
    return { ok: false, code: 'PS_ERR_VERSION_CONFLICT', currentVersion: state.version };
  }
  const record = write.op === 'update' ? mergePatch(state.record, write.patch) : null;
  return { ok: true, next: { version: state.version + 1, record } };
}

interface Acknowledged {
  readonly command: number;
  readonly resolved: ResolvedWrite;
  readonly version: number;
  readonly returned: Record<string, unknown> | null;
}

/** The states each id went through in a group: before it, then after each acknowledged write. */
export type GroupStates = Map<string, { entity: EntityName; id: string; states: IdState[] }>;

/**
 * Checks a group's writes against linearisability. Acknowledged writes of an
 * id, ordered by version, must continue the id's version one by one from its
 * state before the group, each legal in the state before it (a create where
 * the id is absent, an update or delete where it is live and at the expected
 * version), each returning the record that state transition gives. A failed
 * command must fail with a code some order of the group allows, a version
 * conflict reporting a version the id really was at. Records the new states
 * in the model and returns the violations.
 */
export function settleWrites(
  model: ReferenceModel,
  executed: readonly Executed[],
): {
  violations: string[];
  states: GroupStates;
} {
  const violations: string[] = [];
  const acknowledged = new Map<string, Acknowledged[]>();
  const states: GroupStates = new Map();
  const touch = (entity: EntityName, id: string) => {
    const key = keyOf(entity, id);
    if (!states.has(key)) states.set(key, { entity, id, states: [model.state(entity, id)] });
    return key;
  };
  executed.forEach((e, command) => {
    for (const r of e.resolved) touch(r.write.entity, r.write.id);
    if (e.command.kind !== 'write' || !e.outcome.ok) return;
    const result = e.outcome.value as WriteResult;
    if (result.versions.length !== e.resolved.length) {
      violations.push(`#${command} acknowledged ${result.versions.length} versions for ${e.resolved.length} writes`);
      return;
    }
    e.resolved.forEach((resolved, i) => {
      const key = touch(resolved.write.entity, resolved.write.id);
      const list = acknowledged.get(key) ?? [];
      list.push({ command, resolved, version: result.versions[i]!, returned: result.returned[i] ?? null });
      acknowledged.set(key, list);
    });
  });

  for (const [key, list] of acknowledged) {
    const entry = states.get(key)!;
    const name = showKey(entry.entity, entry.id);
    let current = entry.states[0]!;
    const sorted = [...list].sort((a, b) => a.version - b.version);
    const repeated = sorted.filter((ack, i) => sorted.some((other, j) => j !== i && other.version === ack.version));
    if (repeated.length > 0) {
      violations.push(
        `${name}: ${repeated.map((a) => `#${a.command} ${a.resolved.write.op}`).join(', ')} were all acknowledged at ` +
          `v${repeated[0]!.version}: a version was acknowledged twice (the id was at v${current.version} before the group)`,
      );
      continue;
    }
    for (const ack of sorted) {
      const what = `#${ack.command} ${ack.resolved.write.op} of ${name}`;
      if (ack.version !== current.version + 1) {
        violations.push(
          `${what} was acknowledged at v${ack.version}, but the id was at v${current.version} before it ` +
            `(v${entry.states[0]!.version} before the group): acknowledged versions must continue one by one`,
        );
        break;
      }
      const applied = applyWrite(current, ack.resolved);
      if (!applied.ok) {
        violations.push(
          `${what} was acknowledged at v${ack.version}, yet at v${current.version} (${current.record ? 'live' : 'absent'}) it must fail with ${applied.code}`,
        );
        break;
      }
      if (ack.returned !== null && canon(contentOf(ack.returned)) !== canon(applied.next.record)) {
        violations.push(
          `${what} returned ${canon(contentOf(ack.returned))} at v${ack.version}, not ${canon(applied.next.record)}`,
        );
      }
      current = applied.next;
      entry.states.push(current);
      model.record(entry.entity, entry.id, current);
    }
  }

  executed.forEach((e, command) => {
    if (e.command.kind !== 'write' || e.outcome.ok) return;
    const error = e.outcome.error;
    if (!isPolystoreError(error) || !LOSING_CODES.has(error.code)) {
      violations.push(
        `#${command} ${e.command.api} failed with ${describeError(error)}, which no order of the group explains`,
      );
      return;
    }
    const current = (error.details as { currentVersion?: unknown } | undefined)?.currentVersion;
    if (!canFail(e.resolved, states, error.code, typeof current === 'number' ? current : undefined)) {
      violations.push(
        `#${command} ${e.command.api} failed with ${error.code}${current === undefined ? '' : ` (current version ${String(current)})`}, ` +
          `which no state its ids went through in the group gives`,
      );
    }
  });
  return { violations, states };
}

/**
 * Whether running `writes` in order, each id starting from any state it
 * went through in the group (ids the command already wrote continue from
 * its own writes), fails with `code` (and reports `current` as the version met).
 */
function canFail(writes: readonly ResolvedWrite[], states: GroupStates, code: string, current?: number): boolean {
  const search = (i: number, local: ReadonlyMap<string, IdState>): boolean => {
    const resolved = writes[i];
    if (!resolved) return false;
    const key = keyOf(resolved.write.entity, resolved.write.id);
    const own = local.get(key);
    for (const state of own ? [own] : (states.get(key)?.states ?? [])) {
      const applied = applyWrite(state, resolved);
      if (!applied.ok) {
        if (applied.code === code && (current === undefined || applied.currentVersion === current)) return true;
        continue;
      }
      if (search(i + 1, new Map(local).set(key, applied.next))) return true;
    }
    return false;
  };
  return search(0, new Map());
}
