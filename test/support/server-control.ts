import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { describe, it } from 'vitest';
import { describeWithServer, type ServerKind } from './servers.js';
import { SERVER_URLS } from './servers-urls.js';

const CLUSTERS = '/etc/postgresql';

/** Why this process cannot restart the local PostgreSQL server, or null when it can. */
export function postgresRestartUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'restarting PostgreSQL needs root';
  if (!existsSync(CLUSTERS) || readdirSync(CLUSTERS).length === 0) return `no cluster under ${CLUSTERS}`;
  const url = new URL(SERVER_URLS.postgres);
  if (!['127.0.0.1', 'localhost', '::1'].includes(url.hostname)) return `PostgreSQL at ${url.hostname} is not local`;
  return null;
}

/** Restarts the local PostgreSQL cluster (pg_ctlcluster stops in fast mode: every connection is cut) and waits until it is back. */
export function restartPostgres(): void {
  const version = readdirSync(CLUSTERS)[0]!;
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], {
    stdio: 'ignore',
    timeout: 60_000,
  });
}

/**
 * A suite that needs servers and restarts PostgreSQL: run when the servers are
 * up and this machine can restart it; skipped with a printed reason otherwise,
 * and a failing test under `CI`.
 */
export async function describeWithRestarts(
  kinds: readonly ServerKind[],
  name: string,
  body: () => void,
): Promise<void> {
  const reason = postgresRestartUnavailable();
  if (reason === null) {
    await describeWithServer(kinds, name, body);
  } else if (process.env.CI) {
    describe(name, () => {
      it('can restart PostgreSQL', () => {
        throw new Error(`cannot run: ${reason}; CI requires it`);
      });
    });
  } else {
    process.stdout.write(`[polystore tests] skipping "${name}": ${reason}\n`);
    describe.skip(name, body);
  }
}
