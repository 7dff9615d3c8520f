import type { SearchDocument, SearchFieldType, SearchIndexSpec } from '../../contracts/search-store.js';
import type { VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError } from '../../errors/index.js';
import { assertIdentifier } from '../../runtime/identifier.js';

const FIELD_TYPES: ReadonlySet<string> = new Set<SearchFieldType>([
  'string',
  'number',
  'boolean',
  'enum',
  'string[]',
  'enum[]',
]);

/** Field types text can be matched in. */
const TEXT_TYPES: ReadonlySet<string> = new Set<SearchFieldType>(['string', 'string[]']);

/** A document as a search index keeps it: declared fields, nulls dropped, without `id`. */
export type StoredDocument = Record<string, string | number | boolean | string[]>;

/**
 * Validates a spec (identifiers, types, searchable fields) and returns a
 * normalised copy: fields sorted by name, searchable fields without repeats
 * in their declared order (an adapter may weigh them by it).
 */
export function checkSearchSpec(spec: SearchIndexSpec): SearchIndexSpec {
  if (typeof spec !== 'object' || spec === null) {
    throw invalidSpec('An index spec must be an object', 'spec');
  }
  assertIdentifier(spec.index, 'search index');
  if (typeof spec.fields !== 'object' || spec.fields === null) {
    throw invalidSpec(`The search index "${spec.index}" declares no fields`, 'fields');
  }
  const fields: Record<string, SearchFieldType> = {};
  for (const name of Object.keys(spec.fields).sort()) {
    assertIdentifier(name, 'search field');
    const type = spec.fields[name];
    if (name === 'id')
      throw invalidSpec('The search field "id" is implicit (the change key) and cannot be declared', 'id');
    if (type === undefined || !FIELD_TYPES.has(type)) {
      throw invalidSpec(
        `The search field "${name}" has an unsupported type`,
        name,
        `use one of ${[...FIELD_TYPES].join(', ')}`,
      );
    }
    fields[name] = type;
  }
  if (!Array.isArray(spec.searchable) || spec.searchable.length === 0) {
    throw invalidSpec(`The search index "${spec.index}" names no searchable field`, 'searchable');
  }
  for (const name of spec.searchable) {
    const type = fields[name];
    if (type === undefined || !TEXT_TYPES.has(type)) {
      throw invalidSpec(
        `The searchable field "${name}" is not a declared string field`,
        name,
        'list only fields of type string or string[]',
      );
    }
  }
  return { index: spec.index, fields, searchable: [...new Set(spec.searchable)] };
}

/** True when two normalised specs describe the same index. */
export function sameSpec(a: SearchIndexSpec, b: SearchIndexSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Checks every upsert of a batch against the spec and returns its documents,
 * before anything is written: a bad document rejects the whole batch. Null
 * fields are left out. The result is aligned with `changes`: `undefined` for
 * a delete.
 */
export function checkSearchDocuments(
  spec: SearchIndexSpec,
  changes: readonly VersionedChange<SearchDocument>[],
): (StoredDocument | undefined)[] {
  if (!Array.isArray(changes)) throw invalidChange('changes', 'applyIfNewer expects an array of changes');
  return changes.map((change, index) => {
    if (typeof change?.key !== 'string' || change.key.length === 0) {
      throw invalidChange(`changes[${index}].key`, 'A change key must be a non-empty string');
    }
    if (typeof change.version !== 'number' || !Number.isFinite(change.version)) {
      throw invalidChange(`changes[${index}].version`, 'A change version must be a finite number');
    }
    if (change.value === null) return undefined;
    if (typeof change.value !== 'object' || Array.isArray(change.value)) {
      throw invalidChange(`changes[${index}].value`, 'A search document must be an object or null');
    }
    return checkDocument(spec, change.key, change.value);
  });
}

function checkDocument(spec: SearchIndexSpec, key: string, value: SearchDocument): StoredDocument {
  const document: StoredDocument = {};
  for (const [name, fieldValue] of Object.entries(value)) {
    if (name === 'id') {
      if (fieldValue !== key) throw invalidDocument(spec, 'id', 'must equal the change key when present');
      continue;
    }
    const type = spec.fields[name];
    if (type === undefined) {
      throw new PolystoreError(
        'PS_ERR_UNKNOWN_FIELD',
        `A document for the search index "${spec.index}" has the undeclared field "${name}"`,
        {
          field: name,
          fix: 'declare the field in the index spec, or leave it out of the projected document',
        },
      );
    }
    if (fieldValue === null || fieldValue === undefined) continue;
    if (!matchesType(type, fieldValue)) throw invalidDocument(spec, name, `must be of type ${type}`);
    document[name] = Array.isArray(fieldValue) ? [...fieldValue] : (fieldValue as string | number | boolean);
  }
  return document;
}

function matchesType(type: SearchFieldType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'enum':
      return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
    case 'string[]':
    case 'enum[]':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
  }
}

/** Thrown when a search index is used before `ensureIndex`. */
export function indexNotEnsured(): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'The search index has not been ensured in this store', {
    field: 'index',
    fix: 'call ensureIndex(spec) first, after every start (it also loads the last flushed state)',
  });
}

function invalidSpec(message: string, field: string, fix?: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', message, {
    field,
    fix: fix ?? 'see SearchIndexSpec: fields maps names to types, searchable lists string fields',
  });
}

function invalidChange(field: string, message: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', message, { field });
}

function invalidDocument(spec: SearchIndexSpec, field: string, rule: string): PolystoreError {
  return new PolystoreError(
    'PS_ERR_VALIDATION',
    `The field "${field}" of a document for the search index "${spec.index}" ${rule}`,
    {
      field,
      fix: 'project the document with the types declared in the index spec (null leaves a field empty)',
    },
  );
}
