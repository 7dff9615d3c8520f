import type { DeadLetter } from '../contracts/dead-letter.js';

/** Dead letters of one view that failed the same way. */
export interface DeadLetterGroup {
  readonly view: string;
  readonly signature: string;
  readonly count: number;
  /** The newest of them. */
  readonly sample: { readonly entity: string; readonly key: string; readonly error: string; readonly at: string };
}

const QUOTED = /(["'`])(?:(?!\1)[^\n]){0,500}\1/g;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const LONG_HEX = /\b(?=[0-9a-f]*\d)[0-9a-f]{12,}\b/gi;
const NUMBER = /\d+(?:\.\d+)?/g;

/**
 * An error message with what varies from one event to the next normalised
 * away (quoted values, UUIDs, long hex ids, numbers), so that letters failing
 * for the same reason share one signature.
 *
 * @example
 * errorSignature('PS_ERR_STORE_QUERY: row "p17" too wide (4096 > 1024)'); // 'PS_ERR_STORE_QUERY: row <value> too wide (<n> > <n>)'
 */
export function errorSignature(error: string): string {
  return error
    .replace(QUOTED, '<value>')
    .replace(UUID, '<id>')
    .replace(LONG_HEX, '<id>')
    .replace(NUMBER, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Dead letters grouped by view and error signature, largest groups first. */
export function groupDeadLetters(letters: readonly DeadLetter[]): DeadLetterGroup[] {
  const groups = new Map<string, { letters: DeadLetter[]; view: string; signature: string }>();
  for (const letter of letters) {
    const signature = errorSignature(letter.error);
    const id = `${letter.consumer}\u0000${signature}`;
    let group = groups.get(id);
    if (!group) {
      group = { letters: [], view: letter.consumer, signature };
      groups.set(id, group);
    }
    group.letters.push(letter);
  }
  return [...groups.values()]
    .map(({ letters: members, view, signature }) => {
      const newest = members.reduce((a, b) => (b.failedAt > a.failedAt ? b : a));
      return {
        view,
        signature,
        count: members.length,
        sample: {
          entity: newest.event.entity,
          key: newest.event.key,
          error: newest.error,
          at: newest.failedAt.toISOString(),
        },
      };
    })
    .sort((a, b) => b.count - a.count || a.view.localeCompare(b.view));
}
