import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactSecrets } from '../src/errors/index.js';
import { deleteRedisKeys, dropPostgresSchema } from '../test/support/server-cleanup.js';
import { SERVER_URLS } from '../test/support/servers-urls.js';

export { SERVER_URLS, serverReachable } from '../test/support/servers-urls.js';

/** The servers the bench uses (the URLs and probe are the test suites', by the product's env vars). */
export type ServerKind = 'postgres' | 'mysql' | 'redis' | 'nats';

export function describeServer(kind: ServerKind): string {
  return `${kind} at ${redactSecrets(SERVER_URLS[kind])}`;
}

/** A short random id for schema, key prefix and stream names of one run. */
export function runId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 10);
}

/** A fresh PostgreSQL schema and Redis key prefix for one workload; `cleanups` drops the schema and deletes the keys. */
export function serverNamespace(cleanups: Cleanups): { schema: string; prefix: string } {
  const id = runId();
  const schema = `bench_${id}`;
  const prefix = `bench_${id}:`;
  cleanups.add('drop schema', () => dropPostgresSchema(schema));
  cleanups.add('delete redis keys', () => deleteRedisKeys(prefix));
  return { schema, prefix };
}

/**
 * Cleanup actions, run last-in first-out (a relay stops before its slot is
 * dropped, a store closes before its keys are deleted). A failing one is
 * reported and the rest still run.
 */
export class Cleanups {
  readonly #actions: { label: string; fn: () => Promise<unknown> }[] = [];

  add(label: string, fn: () => Promise<unknown>): void {
    this.#actions.push({ label, fn });
  }

  async run(): Promise<void> {
    for (const { label, fn } of this.#actions.splice(0).reverse()) {
      await fn().catch((err: unknown) =>
        process.stderr.write(`[bench] cleanup "${label}" failed: ${redactSecrets(String(err))}\n`),
      );
    }
  }
}

export async function tempDir(cleanups: Cleanups, label: string): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), `polystore-bench-${label}-`));
  cleanups.add(`remove ${label} directory`, () => rm(path, { recursive: true, force: true }));
  return path;
}

/** The servers' cleanups, shared with the test suites. */
export {
  deleteJetStream as deleteStream,
  deleteRedisKeys as deleteKeys,
  dropMariaDatabase,
  dropPostgresSchema as dropSchema,
} from '../test/support/server-cleanup.js';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
