import { readFileSync } from 'node:fs';

/**
 * Reads a `.sql` file that sits next to the calling module, which passes its
 * own `import.meta.url`: each dialect keeps its statements in its own folder,
 * and the build copies them beside the compiled modules (scripts/copy-assets.mjs).
 * Called at module load so a missing file fails at import, not on the first write.
 *
 * @example
 * const INSERT_ROW = loadSql('insert-row.sql', import.meta.url);
 */
export function loadSql(fileName: string, moduleUrl: string): string {
  return stripLineComments(readFileSync(new URL(`./${fileName}`, moduleUrl), 'utf8'));
}

/**
 * Drops whole-line `--` comments and blank lines: the files document each
 * statement at length, and an engine that takes its statements in process
 * (PGlite) pays for every byte it copies and lexes, on every call.
 */
export function stripLineComments(sql: string): string {
  return sql
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('--'))
    .join('\n');
}

const PLACEHOLDER = /\{\{(\w+)\}\}/g;

/**
 * Substitutes `{{name}}` placeholders with SQL fragments built only from
 * allow-listed, dialect-quoted identifiers and parameter markers (never from
 * values). A placeholder without a fragment is a programming error and throws.
 *
 * @example
 * renderSql('DELETE FROM {{table}} WHERE id = ?', { table: '`app`.`users`' });
 */
export function renderSql(template: string, fragments: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const fragment = fragments[name];
    if (fragment === undefined) throw new TypeError(`SQL template placeholder {{${name}}} has no fragment`);
    return fragment;
  });
}
