import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tcpReachable } from './servers-urls.js';
import { until } from './until.js';

const run = promisify(execFile);

/** A free TCP port on 127.0.0.1, as the kernel hands one out right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * A Redis server of the test's own, without persistence, on a free port: the
 * test may stop it (`shutdown nosave`, as a crash of a cache without
 * persistence) and start it again empty, without touching the shared Redis.
 *
 * @example
 * const redis = await PrivateRedis.start();
 * await redis.stop();
 * await redis.restart(); // empty, same port
 * await redis.close();
 */
export class PrivateRedis {
  #child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const dir = await mkdtemp(join(tmpdir(), 'polystore-redis-'));
    const redis = new PrivateRedis(await freePort(), dir);
    await redis.restart();
    return redis;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Starts the server (empty) and waits until it answers PING. */
  async restart(): Promise<void> {
    if (this.running) throw new Error('the private Redis is already running');
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    this.#child = spawn('redis-server', [...args, '--daemonize', 'no', '--dir', this.dir], { stdio: 'ignore' });
    await until(() => this.#ping(), 15_000, `the private Redis on port ${this.port} to answer`);
  }

  /** `redis-cli shutdown nosave`; resolves once the process is gone and the port closed. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await run('redis-cli', ['-p', String(this.port), 'shutdown', 'nosave']).catch(() => child.kill('SIGTERM'));
    await exited;
    await until(
      async () => !(await tcpReachable('127.0.0.1', this.port, 300)),
      10_000,
      'the private Redis port to close',
    );
  }

  /** Freezes the process (SIGSTOP): connections stay open and nothing answers, as a hung server. */
  freeze(): void {
    this.#child?.kill('SIGSTOP');
  }

  /** Lets a frozen server run again (SIGCONT). */
  thaw(): void {
    this.#child?.kill('SIGCONT');
  }

  /** Stops the server and removes its directory. */
  async close(): Promise<void> {
    if (this.running) {
      this.thaw();
      const child = this.#child!;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  async #ping(): Promise<boolean> {
    try {
      const { stdout } = await run('redis-cli', ['-p', String(this.port), 'ping']);
      return stdout.trim() === 'PONG';
    } catch {
      return false;
    }
  }
}

/** Whether `redis-server` can be started here; null when it can, else why not. */
export async function privateRedisUnavailable(): Promise<string | null> {
  try {
    await run('redis-server', ['--version']);
    return null;
  } catch {
    return 'redis-server is not installed';
  }
}
