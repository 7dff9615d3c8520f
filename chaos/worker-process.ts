import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { WorkerConfig, WorkerStatus } from './worker.js';

const ENTRY = new URL('./worker.ts', import.meta.url).pathname;

/**
 * One incarnation of the sync worker as a child process (tsx): warm (modules
 * loaded, waiting), then syncing once told `go`; its `ready` and `status`
 * lines, its exit, and the two ways it ends: SIGKILL at a random point, or
 * SIGTERM for a clean stop. Its stderr (warnings) goes to a log file.
 */
export class WorkerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #status: WorkerStatus | undefined;
  #warm = false;
  #ready = false;
  #closed = false;
  readonly #stderr: WriteStream;
  #listeners: (() => void)[] = [];

  constructor(readonly config: WorkerConfig) {
    this.#stderr = createWriteStream(join(config.names.dir, `worker-${config.incarnation}.stderr.log`));
    this.child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
      env: { ...process.env, CHAOS_WORKER_CONFIG: JSON.stringify(config) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr!.pipe(this.#stderr);
    // Writing `go` to a worker that just died must not crash the harness.
    this.child.stdin!.on('error', () => undefined);
    let pending = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) this.#line(line);
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        this.#notify();
        resolve({ code, signal });
      }),
    );
  }

  get incarnation(): number {
    return this.config.incarnation;
  }

  /** The latest status line, if any arrived. */
  get status(): WorkerStatus | undefined {
    return this.#status;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once the worker has loaded everything and waits for `go()`; false on exit or timeout. */
  waitWarm(timeoutMs: number): Promise<boolean> {
    return this.#until(() => this.#warm, timeoutMs);
  }

  /** Lets a warm worker start syncing. */
  go(): void {
    this.child.stdin!.write('go\n');
  }

  /** Resolves once the worker is syncing; false when it exited first or `timeoutMs` passed. */
  waitReady(timeoutMs: number): Promise<boolean> {
    return this.#until(() => this.#ready, timeoutMs);
  }

  /** Resolves when a status line satisfies `test`; false on exit or timeout. */
  waitStatus(test: (status: WorkerStatus) => boolean, timeoutMs: number): Promise<boolean> {
    return this.#until(() => this.#status !== undefined && test(this.#status), timeoutMs);
  }

  /** SIGKILL: no cleanup runs in the worker. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait for the clean close; SIGKILL if it takes longer than `timeoutMs`. Resolves true when it closed cleanly. */
  async stop(timeoutMs: number): Promise<boolean> {
    if (!this.alive) return false;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const { code } = await this.exited;
    clearTimeout(timer);
    return code === 0 && this.#closed;
  }

  #line(line: string): void {
    if (line === 'warm') this.#warm = true;
    else if (line === 'ready') this.#ready = true;
    else if (line === 'closed') this.#closed = true;
    else if (line.startsWith('status ')) this.#status = JSON.parse(line.slice(7)) as WorkerStatus;
    this.#notify();
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }

  #until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (condition()) finish(true);
        else if (!this.alive) finish(false);
      };
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.#listeners = this.#listeners.filter((l) => l !== check);
        resolve(ok);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.#listeners.push(check);
      check();
    });
  }
}
