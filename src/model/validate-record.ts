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

/** A record ready to be written: the canonical record and its JSON form's size. */
export interface CheckedRecord {
  readonly record: Record<string, unknown>;
  readonly bytes: number;
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
  checkValues(entity, record, limits.maxDepth, entity.codec.hasBigInt);
  const bytes = Buffer.byteLength(entity.codec.stringify(record), 'utf8');
  const limit = entity.maxPayloadBytes ?? limits.maxPayloadBytes;
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
  return { record, bytes };
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

/**
 * Walks the record once (iteratively: a hostile depth cannot overflow the
 * stack) and refuses what a home or view would refuse or alter.
 */
function checkValues(
  entity: EntityDef,
  record: Record<string, unknown>,
  maxDepth: number,
  bigintAllowed: boolean,
): void {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: record, path: '', depth: 1 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      checkText(entity, value, path);
      continue;
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw badValue(entity, path, 'is not a finite number', 'use a finite number');
      continue;
    }
    if (typeof value === 'bigint') {
      if (!bigintAllowed)
        throw badValue(entity, path, 'holds a BigInt', 'declare the field z.bigint(), or pass a number');
      continue;
    }
    if (typeof value === 'function' || typeof value === 'symbol') {
      throw badValue(entity, path, `holds a ${typeof value}`, 'pass JSON values only');
    }
    if (typeof value !== 'object' || value === null || value instanceof Date) continue;
    if (depth + 1 > maxDepth) throw tooDeep(entity, path, maxDepth);
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ value: value[i], path: join(path, String(i)), depth: depth + 1 });
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      const childPath = join(path, key);
      checkText(entity, key, childPath);
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
}

function checkText(entity: EntityDef, text: string, path: string): void {
  if (text.includes('\u0000')) {
    throw badValue(entity, path, 'holds a NUL character (\\u0000)', 'remove NUL characters: no home stores them');
  }
  if (!text.isWellFormed()) {
    throw badValue(
      entity,
      path,
      'holds a lone surrogate (not well-formed UTF-16)',
      'pass well-formed text, e.g. text.toWellFormed()',
    );
  }
}

function join(path: string, key: string): string {
  const shown = key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return path === '' ? shown : `${path}.${shown}`;
}

function badValue(entity: EntityDef, path: string, problem: string, fix: string): PolystoreError {
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
