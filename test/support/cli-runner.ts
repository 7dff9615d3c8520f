import { execFile } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freshPgliteDir } from './pglite-template.js';
import { tempDir } from './temp-dir.js';

const run = promisify(execFile);
/** The CLI binary as users run it (`npx polystore`). */
export const CLI_BIN = new URL('../../bin/polystore.mjs', import.meta.url).pathname;

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `polystore <args> --config <config>` in a child process with `env`
 * added to this process's environment; resolves with the exit code and
 * output whatever the code (a failing command is a result, not a throw).
 */
export function runCli(config: string, args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return run(process.execPath, [CLI_BIN, ...args, '--config', config], { env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

/**
 * A temporary directory for the items config (test/fixtures/items.config.ts),
 * holding a fresh PGlite home at `home/`, and set as POLYSTORE_TEST_DIR for
 * this process too, so `configure()` opens the same stores as the CLI.
 */
export async function itemsConfigDir(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const dir = await tempDir();
  const home = await freshPgliteDir();
  await cp(home.path, join(dir.path, 'home'), { recursive: true });
  await home.cleanup();
  process.env.POLYSTORE_TEST_DIR = dir.path;
  return dir;
}
