import { PolystoreError } from '../errors/index.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, type EntityDef } from './define-entity.js';
import { issuePath } from './standard-schema.js';

/** Deepest nesting a record may have by default (JSON depth: a record of scalars is 2). */
export const DEFAULT_MAX_DEPTH = 64;

/** What every write checks a record against: the model's limits, lowered by the home where it holds less. */
export interface RecordLimits {
  /** Largest record in bytes of JSON (the entity's own limit wins). */
  readonly maxPayloadBytes: number;
  /** Deepest nesting (JSON depth: a record of scalars is 2). */
  readonly maxDepth: number;
}

export const DEFAULT_RECORD_LIMITS: RecordLimits = {
  maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
  maxDepth: DEFAULT_MAX_DEPTH,
};

/** A record ready to be written: the canonical record. */
export interface CheckedRecord {
  readonly record: Record<string, unknown>;
}

/**
 * Checks a full record before any write: plain object, no undeclared fields,
 * valid against the schema, then every value something each store can hold
 * (no NUL character or lone surrogate in a string or key, no value JSON cannot
 * carry, nesting within `maxDepth`) and the whole within the payload limit.
 * Returns the canonical record (see `RecordCodec.canonical`). Throws a coded
 * error naming the field and the fix; nothing has been written.
 *
 * @example
 * const { record } = await validateRecord(users, { id: 'u1', email: 'ada@example.com' });
 */
export async function validateRecord<T>(
  entity: EntityDef<string, T>,
  input: unknown,
  limits: RecordLimits = DEFAULT_RECORD_LIMITS,
): Promise<CheckedRecord> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new PolystoreError('PS_ERR_VALIDATION', `A ${entity.name} record must be an object`, {
      fix: 'pass a plain object matching the entity schema',
    });
  }
  checkUnknownFields(entity, Object.keys(input));
  let result: Awaited<ReturnType<(typeof entity.schema)['~standard']['validate']>>;
  try {
    result = await entity.schema['~standard'].validate(input);
  } catch (err) {
    // A validator may overflow its stack on absurd nesting: that is invalid input, not a crash.
    if (err instanceof RangeError) throw tooDeep(entity, '', limits.maxDepth);
    throw err;
  }
  if (result.issues) {
    const first = result.issues[0];
    const field = first ? issuePath(first) : '';
    throw new PolystoreError(
      'PS_ERR_VALIDATION',
      `A ${entity.name} record is invalid${field ? ` at "${field}"` : ''}: ${first?.message ?? 'rejected by the schema'}`,
      {
        field,
        fix: `make "${field || 'the record'}" match the ${entity.name} schema`,
        details: { issues: result.issues.map((issue) => ({ field: issuePath(issue), message: issue.message })) },
      },
    );
  }
  const record = entity.codec.canonical(result.value as Record<string, unknown>);
  const bound = checkValues(entity, record, limits.maxDepth, entity.codec.hasBigInt);
  const limit = entity.maxPayloadBytes ?? limits.maxPayloadBytes;
  // The walk's bound on the JSON size settles nearly every record without serialising it.
  if (bound <= limit) return { record };
  const bytes = Buffer.byteLength(entity.codec.stringify(record), 'utf8');
  if (bytes > limit) {
    throw new PolystoreError(
      'PS_ERR_PAYLOAD_TOO_LARGE',
      `A ${entity.name} record is ${bytes} bytes, over the ${limit}-byte limit`,
      {
        field: entity.name,
        fix: 'store large blobs elsewhere and keep a reference, or raise `maxPayloadBytes` for this entity',
        details: { bytes, limit },
      },
    );
  }
  return { record };
}

/** Rejects fields the schema does not declare (only for introspectable schemas). */
export function checkUnknownFields(entity: EntityDef, keys: readonly string[]): void {
  if (!entity.shape) return;
  for (const key of keys) {
    if (key !== entity.idField && !entity.shape.fields.has(key)) {
      const known = [...entity.shape.fields.keys()].slice(0, 12).join(', ');
      throw new PolystoreError('PS_ERR_UNKNOWN_FIELD', `The ${entity.name} entity has no field "${key.slice(0, 64)}"`, {
        field: key.slice(0, 64),
        fix: `remove it or declare it in the schema (known fields: ${known})`,
      });
    }
  }
}

/** A value met by the walk; its path is built from the parents only when an error names it. */
interface Visit {
  readonly value: unknown;
  readonly depth: number;
  readonly parent: Visit | null;
  readonly key: string;
}

/** Upper bound on the UTF-8 JSON bytes of a number, a literal, a Date (as an ISO string) or an object's punctuation. */
const SCALAR_BOUND = 32;

/**
 * Walks the record once (iteratively: a hostile depth cannot overflow the
 * stack) and refuses what a home or view would refuse or alter. Returns an
 * upper bound on the size of the record's JSON in UTF-8 bytes: each UTF-16
 * unit of a string or key costs at most 6 bytes (an escape) plus its quotes
 * and separator, a scalar or an object's punctuation at most
 * {@link SCALAR_BOUND}, so `JSON.stringify` is only needed near the limit.
 */
function checkValues(
  entity: EntityDef,
  record: Record<string, unknown>,
  maxDepth: number,
  bigintAllowed: boolean,
): number {
  let bound = 2;
  const stack: Visit[] = [{ value: record, depth: 1, parent: null, key: '' }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { value, depth } = visit;
    if (typeof value === 'string') {
      bound += 6 * value.length + 3;
      checkText(entity, value, visit);
      continue;
    }
    if (typeof value === 'number') {
      bound += SCALAR_BOUND;
      if (!Number.isFinite(value)) throw badValue(entity, visit, 'is not a finite number', 'use a finite number');
      continue;
    }
    if (typeof value === 'bigint') {
      bound += SCALAR_BOUND + value.toString().length;
      if (!bigintAllowed) {
        throw badValue(entity, visit, 'holds a BigInt', 'declare the field z.bigint(), or pass a number');
      }
      continue;
    }
    if (typeof value === 'function' || typeof value === 'symbol') {
      throw badValue(entity, visit, `holds a ${typeof value}`, 'pass JSON values only');
    }
    bound += SCALAR_BOUND;
    if (typeof value !== 'object' || value === null || value instanceof Date) continue;
    if (depth + 1 > maxDepth) throw tooDeep(entity, pathOf(visit), maxDepth);
    // An object that serialises itself may be any size: the exact size is measured then.
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') bound = Number.POSITIVE_INFINITY;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push({ value: value[i], depth: depth + 1, parent: visit, key: String(i) });
      }
      continue;
    }
    for (const key of Object.keys(value)) {
      const child: Visit = { value: (value as Record<string, unknown>)[key], depth: depth + 1, parent: visit, key };
      bound += 6 * key.length + 4;
      checkText(entity, key, child);
      stack.push(child);
    }
  }
  return bound;
}

function checkText(entity: EntityDef, text: string, at: Visit): void {
  if (text.includes('\u0000')) {
    throw badValue(entity, at, 'holds a NUL character (\\u0000)', 'remove NUL characters: no home stores them');
  }
  if (!text.isWellFormed()) {
    throw badValue(
      entity,
      at,
      'holds a lone surrogate (not well-formed UTF-16)',
      'pass well-formed text, e.g. text.toWellFormed()',
    );
  }
}

/** The dotted path of a visited value (`specs.tags.2`), keys over 64 characters cut. */
function pathOf(visit: Visit): string {
  const keys: string[] = [];
  for (let at: Visit | null = visit; at?.parent; at = at.parent) keys.push(at.key);
  return keys.reverse().reduce(join, '');
}

function join(path: string, key: string): string {
  const shown = key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return path === '' ? shown : `${path}.${shown}`;
}

function badValue(entity: EntityDef, at: Visit, problem: string, fix: string): PolystoreError {
  const path = pathOf(at);
  return new PolystoreError('PS_ERR_VALIDATION', `The ${entity.name} field "${path}" ${problem}`, {
    field: path,
    fix,
  });
}

function tooDeep(entity: EntityDef, path: string, maxDepth: number): PolystoreError {
  return new PolystoreError(
    'PS_ERR_VALIDATION',
    `A ${entity.name} record nests deeper than ${maxDepth} levels${path ? ` at "${path}"` : ''}`,
    {
      field: path || entity.name,
      fix: `flatten the data to at most ${maxDepth} levels of objects and arrays`,
      details: { maxDepth },
    },
  );
}
