import { PolystoreError } from '../errors/index.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, type EntityDef } from './define-entity.js';
import { issuePath } from './standard-schema.js';

/**
 * Checks a full record before any write: plain object, no undeclared fields,
 * within the payload limit, valid against the schema. Returns the validator's
 * output (defaults applied). Throws a coded error naming the field and the fix.
 */
export async function validateRecord<T>(
  entity: EntityDef<string, T>,
  input: unknown,
  modelLimit: number = DEFAULT_MAX_PAYLOAD_BYTES,
): Promise<T> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new PolystoreError('PS_ERR_VALIDATION', `A ${entity.name} record must be an object`, {
      fix: 'pass a plain object matching the entity schema',
    });
  }
  checkUnknownFields(entity, Object.keys(input));
  checkPayloadSize(entity, input, entity.maxPayloadBytes ?? modelLimit);
  const result = await entity.schema['~standard'].validate(input);
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
  return result.value;
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

function checkPayloadSize(entity: EntityDef, input: object, limit: number): void {
  const bytes = Buffer.byteLength(JSON.stringify(input), 'utf8');
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
}
