import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { redactSecrets } from '../src/errors/index.js';
import { tcpReachable, SERVER_URLS as URLS } from '../test/support/servers-urls.js';
import type { ServerUrls } from './deployment.js';

export type ServerName = 'postgres' | 'redis' | 'nats';
export const SERVER_NAMES: readonly ServerName[] = ['postgres', 'redis', 'nats'];

/** The servers the run uses, by the product's env vars, defaulting to this machine's. */
export const SERVER_URLS: ServerUrls = { postgres: URLS.postgres, redis: URLS.redis, nats: URLS.nats };

interface Control {
  readonly port: number;
  readonly start: readonly string[];
  readonly stop: readonly string[];
  /** Answers requests (not just an open port). */
  ready(): Promise<boolean>;
  /** Fully stopped: the port is closed and, where it matters, the process is gone. */
  stopped(): Promise<boolean>;
}

/**
 * Stops, starts and probes the local PostgreSQL, Redis and NATS servers with
 * this machine's own commands (run as root). It remembers which servers were
 * up when it was created, and `restore()` brings each of them back up, so a
 * run that fails or is interrupted leaves every service as it found it.
 */
export class Servers {
  readonly #controls: Record<ServerName, Control>;
  readonly #wasUp = new Set<ServerName>();
  readonly restarts: Record<ServerName, number> = { postgres: 0, redis: 0, nats: 0 };
  /** Time each server spent down, in ms, summed over its restarts. */
  readonly downtimeMs: Record<ServerName, number> = { postgres: 0, redis: 0, nats: 0 };

  constructor(urls: ServerUrls) {
    const pgPort = portOf(urls.postgres, 5432);
    const redisPort = portOf(urls.redis, 6379);
    const natsPort = portOf(urls.nats, 4222);
    const cluster = readdirSync('/etc/postgresql')[0] ?? '15';
    const pgctl = ['pg_ctlcluster', '--skip-systemctl-redirect', cluster, 'main'];
    const natsd = '/usr/sbin/nats-server';
    this.#controls = {
      postgres: {
        port: pgPort,
        start: [...pgctl, 'start'],
        stop: [...pgctl, 'stop'],
        ready: async () => (await run(['pg_isready', '-q', '-h', '127.0.0.1', '-p', String(pgPort)], 5_000)) === 0,
        stopped: async () => !(await portOpen(pgPort)),
      },
      redis: {
        port: redisPort,
        start: [
          'redis-server',
          ...['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', String(redisPort)],
          ...['--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'],
        ],
        stop: ['redis-cli', '-p', String(redisPort), 'shutdown', 'nosave'],
        ready: async () => (await run(['redis-cli', '-p', String(redisPort), 'ping'], 5_000)) === 0,
        stopped: async () => !(await portOpen(redisPort)),
      },
      nats: {
        port: natsPort,
        start: [
          ...['start-stop-daemon', '--start', '--oknodo', '--background', '--exec', natsd, '--'],
          ...['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', '/var/lib/nats-server'],
          ...['-l', '/var/log/nats-server.log'],
        ],
        stop: ['start-stop-daemon', '--stop', '--oknodo', '--exec', natsd],
        ready: () => portOpen(natsPort),
        // start-stop-daemon --stop only signals: wait until the process is gone, not just the port.
        stopped: async () =>
          !(await portOpen(natsPort)) && (await run(['start-stop-daemon', '--status', '--exec', natsd], 5_000)) !== 0,
      },
    };
  }

  /** Which servers answer now; remembered as the state to restore. */
  async probe(urls: ServerUrls): Promise<string[]> {
    const down: string[] = [];
    for (const name of SERVER_NAMES) {
      if (await this.#controls[name].ready()) this.#wasUp.add(name);
      else down.push(`${name} at ${redactSecrets(urls[name])}`);
    }
    return down;
  }

  /** Stops the server, keeps it down for `downMs`, starts it and waits until it answers. */
  async restart(name: ServerName, downMs: number): Promise<void> {
    const control = this.#controls[name];
    const began = Date.now();
    await run(control.stop, 60_000);
    if (!(await waitFor(() => control.stopped(), 30_000))) throw new Error(`${name} did not stop`);
    await sleep(downMs);
    await this.#start(name);
    this.restarts[name]++;
    this.downtimeMs[name] += Date.now() - began;
  }

  /** Starts every server that was up at `probe()` and is down now. Safe to call at any time, more than once. */
  async restore(): Promise<string[]> {
    const failed: string[] = [];
    for (const name of this.#wasUp) {
      try {
        if (!(await this.#controls[name].ready())) await this.#start(name);
      } catch (err) {
        failed.push(`${name}: ${(err as Error).message}`);
      }
    }
    return failed;
  }

  async #start(name: ServerName): Promise<void> {
    const control = this.#controls[name];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await run(control.start, 60_000);
      if (await waitFor(() => control.ready(), 30_000)) return;
    }
    throw new Error(`${name} did not come back on port ${control.port}`);
  }
}

/** Runs a command in its own session (so a Ctrl-C of the harness never reaches a server it starts); resolves its exit code. */
function run(argv: readonly string[], timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', detached: true });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(127);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? 1);
    });
  });
}

function portOpen(port: number, timeoutMs = 1_000): Promise<boolean> {
  return tcpReachable('127.0.0.1', port, timeoutMs);
}

export async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(100);
  }
  return false;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function portOf(url: string, fallback: number): number {
  return Number(new URL(url).port) || fallback;
}
