import { type ChildProcess, spawn } from 'node:child_process';

const WORKER = new URL('../fixtures/broker-worker.ts', import.meta.url).pathname;

/** A real worker process (test/fixtures/broker-worker.ts) of one broker shop. */
export interface WorkerProcess {
  child: ChildProcess;
  /** Events it handled so far, as it last reported. */
  applied: () => number;
  exited: Promise<number | null>;
}

/** Starts a worker of shop `id`; `mode: 'cdc'` also runs the CDC capture in it. */
export function startWorker(
  id: string,
  mode: 'outbox' | 'cdc' = 'outbox',
  broker: 'jetstream' | 'redis-streams' = 'jetstream',
): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, '--id', id, '--mode', mode, '--broker', broker], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let applied = 0;
  child.stdout!.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.startsWith('applied ')) applied = Number(line.slice(8));
  });
  return { child, applied: () => applied, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}
