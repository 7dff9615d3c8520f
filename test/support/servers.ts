import { Socket } from 'node:net';
import { describe, it } from 'vitest';
import { redactSecrets } from '../../src/errors/index.js';
import { SERVER_URLS } from './servers-urls.js';

export { SERVER_URLS } from './servers-urls.js';

export type ServerKind = keyof typeof SERVER_URLS;

const DEFAULT_PORTS: Record<ServerKind, number> = { postgres: 5432, mysql: 3306, redis: 6379, nats: 4222 };

/** True when a TCP connection to the server's host and port opens within `timeoutMs`. */
export function serverReachable(kind: ServerKind, timeoutMs = 1500): Promise<boolean> {
  const url = new URL(SERVER_URLS[kind]);
  const port = Number(url.port) || DEFAULT_PORTS[kind];
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, url.hostname, () => done(true));
  });
}

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
