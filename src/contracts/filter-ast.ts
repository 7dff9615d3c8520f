/**
 * A validated query filter, independent of any SQL dialect. Built by
 * `parseFilter` from the Mongo-style subset; compiled to parameterised SQL by
 * each home adapter. Paths are validated identifiers (or array indexes).
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type ComparisonOp = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte';

export type FilterNode =
  | { readonly kind: 'and'; readonly nodes: readonly FilterNode[] }
  | { readonly kind: 'or'; readonly nodes: readonly FilterNode[] }
  | { readonly kind: 'compare'; readonly path: readonly string[]; readonly op: ComparisonOp; readonly value: JsonValue }
  | {
      readonly kind: 'in';
      readonly path: readonly string[];
      readonly negate: boolean;
      readonly values: readonly JsonValue[];
    }
  | { readonly kind: 'exists'; readonly path: readonly string[]; readonly exists: boolean };
