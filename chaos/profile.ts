import { parseArgs } from 'node:util';
import type { ServerName } from './servers.js';

/** How hard one run pushes: the workload's shape and the faults it injects. */
export interface Profile {
  readonly name: 'quick' | 'long';
  /** SIGKILLs of the sync worker. */
  readonly kills: number;
  /** Worker processes kept loaded and waiting, so a killed worker is replaced at once. */
  readonly spares: number;
  /** Restarts of each server. */
  readonly restarts: Readonly<Record<ServerName, number>>;
  /** Concurrent writers; each owns a disjoint set of keys. */
  readonly lanes: number;
  /** Writes per second, all lanes together. */
  readonly writesPerSecond: number;
  /** Keys most writes go to (half of them), and the long tail. */
  readonly hotKeys: number;
  readonly coldKeys: number;
  /** Records the search view cannot index: each must end in the dead-letter store, once. */
  readonly poison: number;
  /** Every this many writes of a lane, a `createMany` of 2 to 5 new items. */
  readonly batchEvery: number;
  /** Every this many writes of a lane, an item and a note in one `db.transaction` (when it exists). */
  readonly transactionEvery: number;
  readonly notesPerLane: number;
  /** Ids that concurrent deletes, creates and updates race on (no lane owns them). */
  readonly raceKeys: number;
  /** Pause between two race groups, in ms. */
  readonly raceEveryMs: number;
  /** Pause before each fault, in ms (random in this range). */
  readonly faultGapMs: readonly [number, number];
  /** How long a server stays down, in ms (random in this range). */
  readonly downMs: readonly [number, number];
  /** Writes continue this long after the last fault. */
  readonly settleMs: number;
  /** Longest wait for the worker to apply everything once writes stop. */
  readonly catchUpMs: number;
  /** Pause between two order sagas the writer starts, in ms. */
  readonly sagaEveryMs: number;
}

const QUICK: Profile = {
  name: 'quick',
  kills: 4,
  spares: 2,
  restarts: { redis: 1, nats: 1, postgres: 1 },
  lanes: 4,
  writesPerSecond: 120,
  hotKeys: 12,
  coldKeys: 400,
  poison: 6,
  batchEvery: 15,
  transactionEvery: 12,
  notesPerLane: 6,
  raceKeys: 4,
  raceEveryMs: 400,
  faultGapMs: [2_000, 5_000],
  downMs: [300, 1_500],
  settleMs: 2_000,
  catchUpMs: 45_000,
  sagaEveryMs: 60,
};

const LONG: Profile = {
  name: 'long',
  kills: 20,
  spares: 2,
  restarts: { redis: 2, nats: 2, postgres: 2 },
  lanes: 6,
  writesPerSecond: 200,
  hotKeys: 20,
  coldKeys: 2_000,
  poison: 15,
  batchEvery: 15,
  transactionEvery: 12,
  notesPerLane: 10,
  raceKeys: 6,
  raceEveryMs: 300,
  faultGapMs: [4_000, 12_000],
  downMs: [300, 3_000],
  settleMs: 5_000,
  catchUpMs: 120_000,
  sagaEveryMs: 40,
};

export interface RunOptions {
  readonly profile: Profile;
  readonly seed: number;
}

const NO_RESTARTS: Profile['restarts'] = { redis: 0, nats: 0, postgres: 0 };

/**
 * `--quick` (default: the long profile), `--seed=N` (default: random, printed
 * so a run can be repeated) and `--no-restarts`: the same run without
 * restarting any server (worker kills and the workload stay), for a machine
 * whose PostgreSQL, Redis and NATS other work is using.
 */
export function parseRunOptions(argv: readonly string[]): RunOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      seed: { type: 'string' },
      'no-restarts': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`--seed must be a non-negative integer, not ${values.seed}`);
  const profile = values.quick ? QUICK : LONG;
  return { profile: values['no-restarts'] ? { ...profile, restarts: NO_RESTARTS } : profile, seed };
}

/** Whether the profile restarts any server. */
export function restartsServers(profile: Profile): boolean {
  return Object.values(profile.restarts).some((n) => n > 0);
}
