import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';
import { freePort } from './private-redis.js';
import { tcpReachable } from './servers-urls.js';
import { until } from './until.js';

/** True when `command` is on the PATH. */
export function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Declares a suite that starts its own server from `binary`. Missing on a
 * developer machine: skipped with a printed reason; missing with `CI` set: one
 * failing test says so (`.ci/run` installs it).
 *
 * @example
 * describeWithBinary('memcached', 'memcached store', () => { ... });
 */
export function describeWithBinary(binary: string, name: string, body: () => void): void {
  if (onPath(binary)) {
    describe(name, body);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      it(`needs ${binary}`, () => {
        throw new Error(`${binary} is not installed; CI requires it (.ci/run installs it from Debian)`);
      });
    });
    return;
  }
  process.stdout.write(
    `[polystore tests] skipping "${name}": ${binary} is not installed (apt-get install it to run it)\n`,
  );
  describe.skip(name, body);
}

/**
 * A server process of the test's own on a free port of 127.0.0.1, stopped
 * by `stop()` (SIGTERM, then SIGKILL), so nothing is left behind.
 *
 * @example
 * const server = await PrivateServer.start('memcached', (port) => ['-p', String(port), '-l', '127.0.0.1']);
 * await server.stop();
 */
export class PrivateServer {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  static async start(
    command: string,
    args: (port: number) => string[],
    options: {
      env?: (port: number) => Promise<NodeJS.ProcessEnv>;
      readyTimeoutMs?: number;
      ready?: (port: number) => Promise<boolean>;
    } = {},
  ): Promise<PrivateServer> {
    const port = await freePort();
    const env = { ...process.env, ...(await options.env?.(port)) };
    const child = spawn(command, args(port), { stdio: 'ignore', env });
    const server = new PrivateServer(port, child);
    const ready = options.ready ?? ((p: number) => tcpReachable('127.0.0.1', p, 300));
    try {
      await until(
        async () => {
          if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode} before answering`);
          return ready(port);
        },
        options.readyTimeoutMs ?? 20_000,
        `the private ${command} on port ${port} to answer`,
      );
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  async stop(): Promise<void> {
    const { child } = this;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
