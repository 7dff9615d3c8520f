import { PolystoreError } from '../errors/index.js';
import type { EntityDef } from '../model/define-entity.js';

/** Longest id when no store declares a lower limit. */
export const DEFAULT_MAX_ID_BYTES = 1024;

/**
 * What an id must be for every store of its entity to hold it faithfully: a
 * non-empty string of well-formed UTF-16 without NUL, at most `maxIdBytes`
 * bytes of UTF-8 (the lowest limit of the home and of every view store,
 * after the view's key prefix). Checked before a write opens a transaction.
 */
export function checkNewId(entity: EntityDef, id: unknown, maxIdBytes: number): string {
  if (typeof id !== 'string') {
    throw new PolystoreError('PS_ERR_VALIDATION', `A ${entity.name} id must be a string`, {
      field: entity.idField,
      fix: `pass a string in "${entity.idField}"`,
    });
  }
  const problem = idProblem(id, maxIdBytes);
  if (problem) {
    throw new PolystoreError('PS_ERR_VALIDATION', `The ${entity.name} id ${problem}`, {
      field: entity.idField,
      fix: `use 1 to ${maxIdBytes} bytes of well-formed text without NUL characters`,
      details: { maxIdBytes },
    });
  }
  return id;
}

/** For reads, updates and deletes: a non-string id is a caller error; any other unstorable id names no record. */
export function checkIdArgument(entity: EntityDef, id: unknown): asserts id is string {
  if (typeof id !== 'string') {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `A ${entity.name} id must be a string`, {
      field: entity.idField,
      fix: 'pass the record id as a string',
    });
  }
}

/** True when no record can have this id (so a read answers null and a write NOT_FOUND without asking a store). */
export function unstorableId(id: string, maxIdBytes: number): boolean {
  return idProblem(id, maxIdBytes) !== null;
}

function idProblem(id: string, maxIdBytes: number): string | null {
  if (id.length === 0) return 'is empty';
  if (id.includes('\u0000')) return 'holds a NUL character';
  if (!id.isWellFormed()) return 'holds a lone surrogate (not well-formed UTF-16)';
  if (id.length * 3 > maxIdBytes) {
    const bytes = Buffer.byteLength(id, 'utf8');
    if (bytes > maxIdBytes) return `is ${bytes} bytes, over the ${maxIdBytes}-byte limit of its stores`;
  }
  return null;
}
