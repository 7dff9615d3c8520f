import { readFileSync } from 'node:fs';
import { assertIdentifier } from '../../runtime/identifier.js';
import type { MysqlValue } from './mysql-driver.js';

/**
 * Reads one of the `.sql` files next to this module. Called at module load so
 * a missing file fails at import, not on the first write.
 */
export function loadSql(fileName: string): string {
  return readFileSync(new URL(`./${fileName}`, import.meta.url), 'utf8');
}

const PLACEHOLDER = /\{\{(\w+)\}\}/g;

/**
 * Substitutes `{{name}}` placeholders with fragments built only from
 * allow-listed, backtick-quoted identifiers and `?` markers (never from values).
 */
export function renderSql(template: string, fragments: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const fragment = fragments[name];
    if (fragment === undefined) throw new TypeError(`SQL template placeholder {{${name}}} has no fragment`);
    return fragment;
  });
}

/** Backtick-quotes an allow-listed identifier (the allow-list admits no backtick). */
export function quoteId(name: string, what = 'identifier'): string {
  return `\`${assertIdentifier(name, what)}\``;
}

/**
 * A piece of SQL with the values of its `?` markers, in text order. MySQL
 * parameters are positional, so composing fragments (rather than appending to
 * one parameter list) is what keeps a repeated sub-expression's values aligned.
 */
export interface SqlFragment {
  readonly text: string;
  readonly values: readonly MysqlValue[];
}

export function raw(text: string): SqlFragment {
  return { text, values: [] };
}

export function bind(value: MysqlValue): SqlFragment {
  return { text: '?', values: [value] };
}

/** `sql\`a = ${bind(1)} AND ${other}\`` composes fragments in order. */
export function sql(strings: TemplateStringsArray, ...parts: SqlFragment[]): SqlFragment {
  let text = strings[0] ?? '';
  const values: MysqlValue[] = [];
  parts.forEach((part, i) => {
    text += part.text + (strings[i + 1] ?? '');
    values.push(...part.values);
  });
  return { text, values };
}

export function joinSql(parts: readonly SqlFragment[], separator: string): SqlFragment {
  return { text: parts.map((p) => p.text).join(separator), values: parts.flatMap((p) => p.values) };
}
