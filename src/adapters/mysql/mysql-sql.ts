import { assertIdentifier } from '../../runtime/identifier.js';
import type { MysqlValue } from './mysql-driver.js';

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

/** SQL text without values: allow-listed identifiers, keywords and constants only. */
export function raw(text: string): SqlFragment {
  return { text, values: [] };
}

/** One bound value behind a `?` marker. */
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

/** Joins fragments with a separator, keeping their values in text order. */
export function joinSql(parts: readonly SqlFragment[], separator: string): SqlFragment {
  return { text: parts.map((p) => p.text).join(separator), values: parts.flatMap((p) => p.values) };
}

/**
 * `count` copies of `group` (a parenthesised list of `?` markers and
 * constants), comma-separated: the VALUES list of a multi-row statement.
 *
 * @example
 * repeatGroup('(?, 1, ?)', 2); // '(?, 1, ?), (?, 1, ?)'
 */
export function repeatGroup(group: string, count: number): string {
  return Array.from({ length: count }, () => group).join(', ');
}

/** Texts of one multi-row statement, built once per row count. */
export class SqlBySize {
  readonly #texts = new Map<number, string>();

  constructor(private readonly build: (count: number) => string) {}

  get(count: number): string {
    let text = this.#texts.get(count);
    if (text === undefined) {
      text = this.build(count);
      this.#texts.set(count, text);
    }
    return text;
  }
}
