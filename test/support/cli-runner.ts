import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

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
