import { readFileSync } from 'node:fs';

/**
 * Reads one of the `.sql` files next to this module. Called at module load so
 * a missing file fails at import, not on the first write.
 */
export function loadSql(fileName: string): string {
  return readFileSync(new URL(`./${fileName}`, import.meta.url), 'utf8');
}

const PLACEHOLDER = /\{\{(\w+)\}\}/g;

/**
 * Substitutes `{{name}}` placeholders with SQL fragments built only from
 * allow-listed, quoted identifiers and `$n` markers (never from values). A
 * placeholder without a fragment is a programming error and throws.
 */
export function renderSql(template: string, fragments: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const fragment = fragments[name];
    if (fragment === undefined) throw new TypeError(`SQL template placeholder {{${name}}} has no fragment`);
    return fragment;
  });
}
