import { PolystoreError } from '../errors/index.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** True for names safe to splice into SQL or Cypher as identifiers. */
export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/**
 * Allow-lists an identifier (table, column, label, index name). Identifiers are
 * never taken from user input without passing through here.
 */
export function assertIdentifier(name: string, what: string): string {
  if (!isIdentifier(name)) {
    throw new PolystoreError(
      'PS_ERR_INVALID_CONFIG',
      `The ${what} "${String(name).slice(0, 64)}" is not a valid identifier`,
      {
        field: what,
        fix: 'use letters, digits and underscores only, starting with a letter or underscore (at most 63 characters)',
      },
    );
  }
  return name;
}

/** Double-quotes an allow-listed identifier for SQL. */
export function quoteIdent(name: string, what = 'identifier'): string {
  return `"${assertIdentifier(name, what)}"`;
}
