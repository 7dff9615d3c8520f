import { type ChildProcess, spawn } from 'node:child_process';
import type { IpcReply, IpcRequest } from './e2e-protocol.js';
import { type E2eTarget, e2eEnv } from './e2e-shop.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

/**
 * A writer or worker process of the split deployment
 * (`test/fixtures/e2e-writer.ts`, `test/fixtures/e2e-worker.ts`), or any
 * script serving IPC (`serveIpc`) given by URL, driven over IPC. Its stderr
 * is kept (the last 8 KiB) to explain a failure.
 */
export class E2eProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  readonly #ready: Promise<void>;
  #next = 0;
  #stderr = '';

  constructor(
    readonly name: string,
    fixture: 'e2e-writer.ts' | 'e2e-worker.ts' | 'search-reader.ts' | 'replica-worker.ts' | URL,
    /** Handed to the process in its environment; null: the environment as it is. */
    target: E2eTarget | null,
    args: readonly string[] = [],
  ) {
    const script = fixture instanceof URL ? fixture : new URL(fixture, FIXTURES);
    this.child = spawn(process.execPath, ['--import', 'tsx', script.pathname, ...args], {
      env: target ? e2eEnv(target) : process.env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-8192);
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(({ code, signal }) => {
      const err = new Error(
        `${this.name} exited (code ${code}, signal ${signal}); stderr: ${this.#stderr.slice(-2000)}`,
      );
      for (const waiter of this.#pending.values()) waiter.reject(err);
      this.#pending.clear();
    });
    this.#ready = new Promise((resolve, reject) => {
      this.child.on('message', (message: IpcReply | { event: string }) => {
        if ('event' in message) {
          if (message.event === 'ready') resolve();
          return;
        }
        const waiter = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (!waiter) return;
        if (message.ok) waiter.resolve(message.result);
        else waiter.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
      });
      void this.exited.then(() => reject(new Error(`${this.name} exited before it was ready: ${this.#stderr}`)));
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once the process has opened everything (or rejects after `timeoutMs`). */
  ready(timeoutMs: number): Promise<void> {
    return withTimeout(this.#ready, timeoutMs, `${this.name} to start`);
  }

  /** Sends a command and resolves its result; rejects with the process's coded error. */
  call<R>(cmd: string, args?: unknown, timeoutMs = 120_000): Promise<R> {
    const id = this.#next++;
    const reply = new Promise<R>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
    const request: IpcRequest = { id, cmd, args };
    // A process gone fails the call with its stderr, not with an unhandled 'error' event.
    this.child.send(request, (err) => {
      if (!err) return;
      const waiter = this.#pending.get(id);
      this.#pending.delete(id);
      waiter?.reject(
        new Error(`${this.name} did not take ${cmd} (${err.message}); stderr: ${this.#stderr.slice(-2000)}`),
      );
    });
    return withTimeout(reply, timeoutMs, `${this.name} to answer ${cmd}`);
  }

  /** SIGKILL: nothing runs in the process any more, nothing is acked or flushed. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (the fixtures close cleanly), then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
