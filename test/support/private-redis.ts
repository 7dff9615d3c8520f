import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { until } from './until.js';

/**
 * A Redis server of the test's own, on a free port, without persistence: a
 * test may stop it (the cache store then fails as in production) and start it
 * again (empty, as a restarted Redis without persistence is), without
 * disturbing the shared server other suites use.
 */
export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** Starts the server (again) on the same port and waits until it answers. */
  start(): Promise<void>;
  /** Stops it at once (SIGKILL: nothing is saved) and waits until the port is closed. */
  stop(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open and nothing answers, as a hung server. */
  freeze(): void;
  /** Lets a frozen server run again (SIGCONT). */
  thaw(): void;
}

/** Whether `redis-server` can be started here; null when it can, else why not. */
export async function privateRedisUnavailable(): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn('redis-server', ['--version'], { stdio: 'ignore' });
    child.on('error', () => resolve('redis-server is not installed'));
    child.on('exit', (code) => resolve(code === 0 ? null : 'redis-server --version failed'));
  });
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const redis: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      if (child) return;
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
        { stdio: 'ignore' },
      );
      child.once('exit', () => {
        child = undefined;
      });
      await until(() => portOpen(port), 10_000, `private redis on ${port}`, 20);
    },
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
    async stop() {
      const running = child;
      if (!running) return;
      running.kill('SIGCONT');
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
      await until(async () => !(await portOpen(port)), 10_000, `private redis on ${port} to stop`, 20);
    },
  };
  await redis.start();
  return redis;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
