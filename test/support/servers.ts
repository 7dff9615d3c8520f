import { describe, it } from 'vitest';
import { redactSecrets } from '../../src/errors/index.js';
import { SERVER_URLS, type ServerKind, serverReachable } from './servers-urls.js';

export { SERVER_URLS, type ServerKind, serverReachable } from './servers-urls.js';

/**
 * Declares a suite that needs a server. Reachable: the suite runs. Unreachable
 * on a developer machine: it is skipped with a printed reason. Unreachable with
 * `CI` set: one failing test says which server is missing, so CI never passes
 * by silently skipping.
 *
 * @example
 * await describeWithServer('postgres', 'pg home contract', () => { ... });
 */
export async function describeWithServer(
  kinds: ServerKind | readonly ServerKind[],
  name: string,
  body: () => void,
): Promise<void> {
  const needed = typeof kinds === 'string' ? [kinds] : kinds;
  const down: ServerKind[] = [];
  for (const kind of needed) if (!(await serverReachable(kind))) down.push(kind);
  if (down.length === 0) {
    describe(name, body);
    return;
  }
  const what = down.map((kind) => `${kind} at ${redactSecrets(SERVER_URLS[kind])}`).join(', ');
  const fix = down.map((kind) => `POLYSTORE_${kind.toUpperCase()}_URL`).join(', ');
  if (process.env.CI) {
    describe(name, () => {
      it(`needs ${what}`, () => {
        throw new Error(`unreachable: ${what}; CI requires it (start it, or set ${fix})`);
      });
    });
    return;
  }
  process.stdout.write(`[polystore tests] skipping "${name}": unreachable ${what} (set ${fix} to run it)\n`);
  describe.skip(name, body);
}
