import type { WorkerConfig } from './worker.js';
import { WorkerProcess } from './worker-process.js';

/** Longest wait for a worker to load (tsx is slow on a busy machine) or to start syncing. */
const WARM_MS = 180_000;
const READY_MS = 60_000;

/**
 * Keeps one sync worker running and warm spares beside it (processes with
 * their modules loaded, waiting to be told `go`; loading takes seconds of CPU
 * under tsx): a killed or crashed worker is replaced by the oldest spare at
 * once, as a supervisor with warm standbys would, and a new spare starts
 * loading. Counts kills, crashes (exits nobody asked for) and the duplicate
 * deliveries each incarnation reported.
 */
export class WorkerSupervisor {
  #active: WorkerProcess | undefined;
  readonly #spares: WorkerProcess[] = [];
  #incarnations = 0;
  #stopping = false;
  /** Replacements run one at a time (a kill and a crash could race). */
  #replacing: Promise<void> = Promise.resolve();
  #duplicates = 0;
  kills = 0;
  crashes = 0;

  constructor(
    private readonly configFor: (incarnation: number) => WorkerConfig,
    private readonly spareCount: number,
    private readonly onCrash: (worker: WorkerProcess) => void,
  ) {}

  get active(): WorkerProcess {
    if (!this.#active) throw new Error('no worker is running');
    return this.#active;
  }

  /** Incarnations started (spares that never ran included). */
  get incarnations(): number {
    return this.#incarnations;
  }

  /** Duplicate or re-delivered events, summed over the incarnations' last status lines. */
  get duplicates(): number {
    return this.#duplicates + (this.#active?.status?.duplicates ?? 0);
  }

  /** Starts the first worker, waits until it syncs, then starts loading the spares. */
  async start(): Promise<void> {
    this.#spares.push(this.#spawn());
    await this.#promote();
  }

  /** Once a spare is warm, SIGKILLs the running worker and puts the spare in its place. */
  kill(): Promise<void> {
    const worker = this.active;
    this.#replacing = this.#replacing.then(async () => {
      await this.#spares[0]?.waitWarm(WARM_MS);
      if (worker !== this.#active) return;
      await worker.kill();
      this.kills++;
      await this.#promote();
    });
    return this.#replacing;
  }

  /** Stops the running worker cleanly (true when it closed cleanly) and the spares. */
  async stop(timeoutMs: number): Promise<boolean> {
    this.#stopping = true;
    await this.#replacing.catch(() => undefined);
    await Promise.all(this.#spares.map((spare) => spare.kill()));
    return (await this.#active?.stop(timeoutMs)) ?? false;
  }

  /** SIGKILLs every worker process (cleanup after a failure). */
  async killAll(): Promise<void> {
    this.#stopping = true;
    await Promise.all([this.#active?.kill(), ...this.#spares.map((spare) => spare.kill())]);
  }

  async #promote(): Promise<void> {
    // A spare that died while it waited is replaced by a fresh one.
    let next = this.#spares.shift();
    while (next && !next.alive) next = this.#spares.shift();
    next ??= this.#spawn();
    if (this.#active) this.#duplicates += this.#active.status?.duplicates ?? 0;
    if (!(await next.waitWarm(WARM_MS))) throw new Error(`worker ${next.incarnation} did not load`);
    this.#active = next;
    next.go();
    if (!(await next.waitReady(READY_MS))) throw new Error(`worker ${next.incarnation} did not start syncing`);
    while (this.#spares.length < this.spareCount) this.#spares.push(this.#spawn());
  }

  #spawn(): WorkerProcess {
    const worker = new WorkerProcess(this.configFor(++this.#incarnations));
    void worker.exited.then(({ signal }) => {
      if (signal !== null || this.#stopping || worker !== this.#active) return;
      // An exit nobody asked for: the worker crashed on its own. Replace it and say so.
      this.crashes++;
      this.onCrash(worker);
      this.#replacing = this.#replacing.then(() => (worker === this.#active ? this.#promote() : undefined));
    });
    return worker;
  }
}
