import { setTimeout as sleep } from 'node:timers/promises';
import { isPolystoreError, PolystoreError } from '../../errors/index.js';
import { quoteIdent } from '../../runtime/identifier.js';
import type { PgTarget } from '../postgres/pg-connection-errors.js';
import { type CdcQueryable, runCdcQuery, withClient } from './cdc-driver.js';
import { type CdcSlotOptions, type ResolvedCdcTarget, resolveCdcTarget } from './cdc-options.js';

/** What the server says about a slot. */
export interface CdcSlotStatus {
  readonly exists: boolean;
  /** A walsender (a running relay) is streaming from it. */
  readonly active: boolean;
  /** Everything committed before this position has been published and acknowledged; null without a slot. */
  readonly confirmedFlushLsn: string | null;
  /**
   * WAL the server keeps for this slot: `pg_current_wal_lsn() - restart_lsn`.
   * It grows without bound while nobody consumes the slot.
   */
  readonly retainedWalBytes: number;
}

interface SlotRow {
  plugin: string | null;
  slot_type: string;
  same_database: boolean;
  active: boolean;
  active_pid: number | null;
  confirmed_flush_lsn: string | null;
  retained: string | null;
}

const SLOT_STATUS = `SELECT plugin, slot_type, database = current_database() AS same_database, active, active_pid,
       confirmed_flush_lsn::text AS confirmed_flush_lsn,
       pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text AS retained
FROM pg_replication_slots WHERE slot_name = $1::text`;

const DROP_WAIT_MS = 5_000;

/**
 * Creates what the CDC relay streams from, if absent: a publication of the
 * home's outbox (inserts only, so pruning the outbox is not streamed) and a
 * logical replication slot using the built-in `pgoutput` plugin. Idempotent.
 * Run it once at deploy time, after the home's `ensureSchema()`: from the
 * moment the slot exists, the server keeps WAL until a relay consumes it.
 *
 * @example
 * import { createCdcSlot } from 'polystore/postgres-cdc';
 * await createCdcSlot({ connectionString: process.env.DATABASE_URL, schema: 'app', slot: 'polystore_cdc', publication: 'polystore_outbox' });
 */
export async function createCdcSlot(options: CdcSlotOptions): Promise<CdcSlotStatus> {
  const resolved = resolveCdcTarget(options);
  const { target } = resolved;
  return withClient(resolved.client, target, async (db) => {
    const outbox = `${quoteIdent(resolved.schema, 'schema')}."_ps_outbox"`;
    const [server] = await runCdcQuery<{ wal_level: string; has_outbox: boolean }>(
      db,
      'SELECT current_setting($1::text) AS wal_level, to_regclass($2::text) IS NOT NULL AS has_outbox',
      ['wal_level', outbox],
      'checking the server settings',
      target,
    );
    if (server?.wal_level !== 'logical') {
      throw new PolystoreError(
        'PS_ERR_INVALID_CONFIG',
        `PostgreSQL at ${target.description} runs with wal_level other than logical`,
        {
          field: 'wal_level',
          fix: 'set wal_level = logical in postgresql.conf and restart the server',
        },
      );
    }
    if (!server.has_outbox) {
      throw new PolystoreError('PS_ERR_INVALID_CONFIG', `The schema "${resolved.schema}" has no outbox table`, {
        field: 'schema',
        fix: 'run ensureSchema() on the home first, or correct the schema option',
      });
    }
    await ensurePublication(db, resolved, outbox);
    await ensureSlot(db, resolved);
    return readSlotStatus(db, resolved.slot, target);
  });
}

/**
 * Drops the slot and the publication; absent ones are skipped. A slot a relay
 * is streaming from cannot be dropped: stop the relay first (a just-stopped
 * relay's server process is waited for, a few seconds at most).
 *
 * @example
 * await dropCdcSlot({ connectionString, schema: 'app', slot: 'polystore_cdc', publication: 'polystore_outbox' });
 */
export async function dropCdcSlot(options: CdcSlotOptions): Promise<void> {
  const resolved = resolveCdcTarget(options);
  const { target } = resolved;
  await withClient(resolved.client, target, async (db) => {
    const deadline = Date.now() + DROP_WAIT_MS;
    for (;;) {
      try {
        await runCdcQuery(
          db,
          'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1::text',
          [resolved.slot],
          'dropping the replication slot',
          target,
        );
        break;
      } catch (err) {
        if (!isPolystoreError(err) || err.details?.sqlstate !== '55006') throw err;
        if (Date.now() >= deadline) {
          throw new PolystoreError('PS_ERR_STORE_QUERY', `The replication slot "${resolved.slot}" is in use`, {
            cause: err,
            fix: 'stop the CDC relay streaming from it, then drop it again',
          });
        }
        await sleep(100);
      }
    }
    await runCdcQuery(
      db,
      `DROP PUBLICATION IF EXISTS ${quoteIdent(resolved.publication, 'publication')}`,
      [],
      'dropping the publication',
      target,
    );
  });
}

/**
 * Reports whether the slot exists, whether a relay is streaming from it, how
 * far it has been acknowledged and how much WAL it holds back.
 *
 * @example
 * const { active, retainedWalBytes } = await cdcSlotStatus({ connectionString, slot: 'polystore_cdc', publication: 'polystore_outbox' });
 * if (!active && retainedWalBytes > 1e9) alert('CDC relay down: the slot holds 1 GB of WAL');
 */
export async function cdcSlotStatus(options: CdcSlotOptions): Promise<CdcSlotStatus> {
  const resolved = resolveCdcTarget(options);
  return withClient(resolved.client, resolved.target, (db) => readSlotStatus(db, resolved.slot, resolved.target));
}

export async function readSlotStatus(db: CdcQueryable, slot: string, target: PgTarget): Promise<CdcSlotStatus> {
  const [row] = await runCdcQuery<SlotRow>(db, SLOT_STATUS, [slot], 'reading the replication slot', target);
  if (!row) return { exists: false, active: false, confirmedFlushLsn: null, retainedWalBytes: 0 };
  return {
    exists: true,
    active: row.active,
    confirmedFlushLsn: row.confirmed_flush_lsn,
    retainedWalBytes: Number(row.retained ?? 0),
  };
}

async function ensurePublication(db: CdcQueryable, resolved: ResolvedCdcTarget, outbox: string): Promise<void> {
  const { publication, schema, target } = resolved;
  const check = async () =>
    (
      await runCdcQuery<{ present: boolean; covers: boolean }>(
        db,
        `SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1::text) AS present,
                EXISTS (SELECT 1 FROM pg_publication_tables
                        WHERE pubname = $1::text AND schemaname = $2::text AND tablename = '_ps_outbox') AS covers`,
        [publication, schema],
        'reading the publication',
        target,
      )
    )[0]!;
  let state = await check();
  if (!state.present) {
    try {
      // Inserts only: pruning the outbox must not turn into a stream of deletes.
      await runCdcQuery(
        db,
        `CREATE PUBLICATION ${quoteIdent(publication, 'publication')} FOR TABLE ${outbox} WITH (publish = 'insert')`,
        [],
        'creating the publication',
        target,
      );
    } catch (err) {
      // Another caller created it meanwhile (42710 duplicate_object): check what it covers.
      if (!isPolystoreError(err) || err.details?.sqlstate !== '42710') throw err;
    }
    state = await check();
  }
  if (!state.covers) {
    throw new PolystoreError(
      'PS_ERR_INVALID_CONFIG',
      `The publication "${publication}" exists but does not cover the outbox of schema "${schema}"`,
      {
        field: 'publication',
        fix: `choose another publication name, or run ALTER PUBLICATION ${publication} ADD TABLE ${schema}._ps_outbox`,
      },
    );
  }
}

async function ensureSlot(db: CdcQueryable, resolved: ResolvedCdcTarget): Promise<void> {
  const { slot, target } = resolved;
  const [row] = await runCdcQuery<SlotRow>(db, SLOT_STATUS, [slot], 'reading the replication slot', target);
  if (row === undefined) {
    try {
      // Waits for transactions running now to end (the slot needs a consistent starting point).
      await runCdcQuery(
        db,
        `SELECT pg_create_logical_replication_slot($1::text, 'pgoutput')`,
        [slot],
        'creating the replication slot',
        target,
      );
      return;
    } catch (err) {
      if (!isPolystoreError(err) || err.details?.sqlstate !== '42710') throw err;
      return;
    }
  }
  if (row.slot_type !== 'logical' || row.plugin !== 'pgoutput' || !row.same_database) {
    throw new PolystoreError(
      'PS_ERR_INVALID_CONFIG',
      `The replication slot "${slot}" exists but is not a pgoutput slot of this database`,
      { field: 'slot', fix: 'choose another slot name; the existing slot belongs to something else' },
    );
  }
}
