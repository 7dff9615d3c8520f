import type { EntityClient } from '../src/index.js';
import { isPolystoreError } from '../src/index.js';
import { describeError } from '../src/runtime/logger.js';
import type { Item } from './deployment.js';
import type { Random } from './random.js';
import { sleep } from './servers.js';
import { keyName } from './workload.js';

/** How one racing write ended. */
export interface RaceOutcome {
  readonly kind: 'create' | 'update' | 'delete';
  /** The rev a create or update wrote (unique across the run). */
  readonly rev?: number;
  /**
   * `acked`: the home acknowledged it at `version`. `refused`: a code that
   * linearisation allows a loser (`PS_ERR_ALREADY_EXISTS`, `PS_ERR_NOT_FOUND`,
   * `PS_ERR_VERSION_CONFLICT`). `unknown`: a store error (a server going away):
   * it may or may not have committed. `unexpected`: any other error.
   */
  readonly status: 'acked' | 'refused' | 'unknown' | 'unexpected';
  readonly version?: number;
  readonly error?: string;
}

/** Every outcome of every race, per key: the facts the home must be able to explain. */
export class RaceLedger {
  readonly keys = new Map<string, RaceOutcome[]>();
  groups = 0;

  record(key: string, outcome: RaceOutcome): void {
    const outcomes = this.keys.get(key) ?? [];
    outcomes.push(outcome);
    this.keys.set(key, outcomes);
  }

  count(status: RaceOutcome['status']): number {
    let n = 0;
    for (const outcomes of this.keys.values()) for (const o of outcomes) if (o.status === status) n++;
    return n;
  }
}

/** Race revs live far above lane and batch revs, so a rev names one write of the run. */
const RACE_REV_BASE = 1_000_000_000;

/**
 * Fires, every `everyMs`, a group of concurrent writes at one of a few shared
 * ids (no lane owns them): a delete and an update without `expectedVersion`,
 * and two creates, all at once, on separate connections of the home. Which
 * win is the home's to decide; every outcome is recorded for the verifier,
 * which checks that the versions linearise them.
 */
export class Racer {
  readonly keys: readonly string[];
  #stop = false;
  #running: Promise<void> | undefined;
  #rev = RACE_REV_BASE;

  constructor(
    private readonly client: EntityClient<Item>,
    readonly ledger: RaceLedger,
    count: number,
    private readonly everyMs: number,
    private readonly random: Random,
  ) {
    this.keys = Array.from({ length: count }, (_, i) => keyName('r', i));
  }

  start(): void {
    this.#running = this.#run();
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#running;
  }

  async #run(): Promise<void> {
    while (!this.#stop) {
      const key = this.keys[Math.floor(this.random() * this.keys.length)]!;
      await this.#group(key);
      this.ledger.groups++;
      await sleep(this.everyMs);
    }
  }

  async #group(key: string): Promise<void> {
    const item = (rev: number): Item => ({
      id: key,
      name: `race ${key} rev ${rev}`,
      rev,
      qty: rev % 1000,
      poison: false,
    });
    const [a, b, c] = [++this.#rev, ++this.#rev, ++this.#rev];
    const writes: [RaceOutcome['kind'], number | undefined, () => Promise<{ $version: number }>][] = [
      ['delete', undefined, () => this.client.delete(key)],
      ['create', a, () => this.client.create(item(a))],
      ['update', b, () => this.client.update(key, { name: `race ${key} rev ${b}`, rev: b, qty: b % 1000 })],
      ['create', c, () => this.client.create(item(c))],
    ];
    const settled = await Promise.allSettled(writes.map(([, , write]) => write()));
    settled.forEach((result, i) => {
      const [kind, rev] = writes[i]!;
      const base = rev === undefined ? { kind } : { kind, rev };
      if (result.status === 'fulfilled')
        this.ledger.record(key, { ...base, status: 'acked', version: result.value.$version });
      else this.ledger.record(key, { ...base, status: classify(result.reason), error: describeError(result.reason) });
    });
  }
}

function classify(err: unknown): RaceOutcome['status'] {
  if (
    isPolystoreError(err, 'PS_ERR_ALREADY_EXISTS') ||
    isPolystoreError(err, 'PS_ERR_NOT_FOUND') ||
    isPolystoreError(err, 'PS_ERR_VERSION_CONFLICT')
  )
    return 'refused';
  if (isPolystoreError(err, 'PS_ERR_STORE_UNAVAILABLE') || !isPolystoreError(err)) return 'unknown';
  return 'unexpected';
}
