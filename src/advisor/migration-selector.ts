import { PolystoreError } from '../errors/index.js';

export type MigrationStrategy =
  | 'dump-and-restore'
  | 'queue-based'
  | 'chunked'
  | 'read-replica-first'
  | 'cdc'
  | 'dual-writes';

export interface MigrationNeeds {
  /** Data to move, in gigabytes. */
  readonly volumeGb: number;
  /** Downtime the business accepts for the move, in minutes (0: none). */
  readonly downtimeMinutes: number;
  /** Does the data split into independent partitions (tenants, time ranges) that can move one at a time? */
  readonly partitioned: boolean;
  /** Reads per write. */
  readonly readWriteRatio: number;
  /** Can the source stream its changes (logical replication, binlog)? Default true. */
  readonly changeCapture?: boolean;
  /** Measured dump (and again restore) rate, GB per hour; default 20. */
  readonly dumpGbPerHour?: number;
  /** From this size a partitioned data set moves in chunks; default 100 GB. */
  readonly largeVolumeGb?: number;
}

interface Settled extends Required<MigrationNeeds> {
  /** Dump plus restore at the measured rate, in minutes. */
  readonly copyMinutes: number;
}

export interface MigrationRule {
  readonly strategy: MigrationStrategy;
  readonly name: string;
  /** The condition, as a reader would state it. */
  readonly when: string;
  readonly applies: (n: Settled) => boolean;
  /** Why it fits these needs. */
  readonly because: (n: Settled) => string;
  /** What Polystore offers for it. */
  readonly polystore: string;
}

/** First matching rule wins; the order is the order of preference (simplest first). */
export const MIGRATION_RULES: readonly MigrationRule[] = [
  {
    strategy: 'dump-and-restore',
    name: 'Dump and restore',
    when: 'dump plus restore fits in the allowed downtime',
    applies: (n) => n.copyMinutes <= n.downtimeMinutes,
    because: (n) =>
      `${n.volumeGb} GB dumps and restores in about ${Math.ceil(n.copyMinutes)} min at ${n.dumpGbPerHour} GB/h, within the ${n.downtimeMinutes} min allowed: the simplest move, from one consistent snapshot`,
    polystore: '`polystore export --out DIR` on the old home, `polystore import --in DIR` on the new one',
  },
  {
    strategy: 'chunked',
    name: 'Chunked',
    when: 'the data is partitioned and large',
    applies: (n) => n.partitioned && n.volumeGb >= n.largeVolumeGb,
    because: (n) =>
      `${n.volumeGb} GB in independent partitions: move one partition at a time, each verified, each with a downtime of its own size`,
    polystore: '`polystore backfill VIEW` fills a store in resumable chunks (pause, resume, progress with ETA)',
  },
  {
    strategy: 'queue-based',
    name: 'Queue-based',
    when: 'writes outnumber reads and the downtime is too short for a copy',
    applies: (n) => n.readWriteRatio < 1,
    because: (n) =>
      `writes outnumber reads (${n.readWriteRatio} reads per write): put the writes on a durable queue both sides consume, so the new store replays them in order and the cutover pauses nothing`,
    polystore:
      'a broker event log (`polystore/redis-streams`, `polystore/nats`) between the outbox and the projectors; the new store is a view filled by `polystore backfill VIEW`',
  },
  {
    strategy: 'read-replica-first',
    name: 'Read replica first',
    when: 'reads dominate (10 or more per write)',
    applies: (n) => n.readWriteRatio >= 10,
    because: (n) =>
      `${n.readWriteRatio} reads per write: stand the new store up as a replica, move the reads (the bulk of the risk) first, then switch the few writes in a short window`,
    polystore:
      'add the new store as a view (`polystore backfill VIEW`) and read from it; then move the home with `polystore migrate-home --to URL`',
  },
  {
    strategy: 'cdc',
    name: 'Change data capture',
    when: 'the source can stream its changes',
    applies: (n) => n.changeCapture,
    because: (n) =>
      `${n.downtimeMinutes} min of downtime is too little for a ${Math.ceil(n.copyMinutes)} min copy: copy a snapshot while streaming the changes made meanwhile, then cut over once caught up`,
    polystore:
      'the `postgres-cdc` capture (`polystore cdc create`) streams the changes; `polystore migrate-home --to URL` copies, catches up, verifies and cuts over',
  },
  {
    strategy: 'dual-writes',
    name: 'Dual writes',
    when: 'nothing else applies: no change stream, little downtime',
    applies: () => true,
    because: () =>
      'the source cannot stream its changes and the window is too short for a copy: write to both sides, backfill the old data, verify, switch reads',
    polystore:
      'never two writes from the application: with Polystore the write commits once in the home with its outbox row and the new store follows as a view (`polystore backfill VIEW`, then `polystore check`)',
  },
];

export interface MigrationAdvice {
  readonly strategy: MigrationStrategy;
  readonly name: string;
  readonly because: string;
  readonly polystore: string;
  /** The rules tried before it and why each did not apply. */
  readonly passedOver: readonly { readonly strategy: MigrationStrategy; readonly when: string }[];
  /** Dump plus restore at the measured rate, in minutes. */
  readonly copyMinutes: number;
}

/**
 * Chooses a migration strategy from the data volume, the downtime allowed, the
 * partitioning and the read/write ratio, and says why and how Polystore does it.
 *
 * @example
 * selectMigration({ volumeGb: 2, downtimeMinutes: 30, partitioned: false, readWriteRatio: 5 }).strategy;
 * // 'dump-and-restore' (2 GB copies in about 12 min at 20 GB/h)
 */
export function selectMigration(needs: MigrationNeeds): MigrationAdvice {
  for (const [field, value] of [
    ['volumeGb', needs.volumeGb],
    ['downtimeMinutes', needs.downtimeMinutes],
    ['readWriteRatio', needs.readWriteRatio],
    ['dumpGbPerHour', needs.dumpGbPerHour ?? 1],
    ['largeVolumeGb', needs.largeVolumeGb ?? 0],
  ] as const)
    if (!Number.isFinite(value) || value < 0 || (field === 'dumpGbPerHour' && value === 0))
      throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `Migration needs: ${field} must be a non-negative number`, {
        field,
        fix: field === 'dumpGbPerHour' ? 'give a measured rate above 0' : 'give a number of 0 or more',
      });
  const dumpGbPerHour = needs.dumpGbPerHour ?? 20;
  const settled: Settled = {
    ...needs,
    changeCapture: needs.changeCapture ?? true,
    dumpGbPerHour,
    largeVolumeGb: needs.largeVolumeGb ?? 100,
    copyMinutes: ((2 * needs.volumeGb) / dumpGbPerHour) * 60,
  };
  const passedOver: { strategy: MigrationStrategy; when: string }[] = [];
  for (const rule of MIGRATION_RULES) {
    if (!rule.applies(settled)) {
      passedOver.push({ strategy: rule.strategy, when: rule.when });
      continue;
    }
    return {
      strategy: rule.strategy,
      name: rule.name,
      because: rule.because(settled),
      polystore: rule.polystore,
      passedOver,
      copyMinutes: settled.copyMinutes,
    };
  }
  throw new Error('unreachable: the last migration rule always applies');
}
