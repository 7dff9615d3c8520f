import type { PolystoreError } from '../../errors/index.js';
import { importDriver } from '../../runtime/import-driver.js';
import { connectionLost, isTransportError, openError, type PgTarget } from '../postgres/pg-connection-errors.js';
import { toStoreError } from '../postgres-shared/pg-query.js';
import type { CdcClientConfig } from './cdc-options.js';

/** The part of a `pg` query result the CDC reads. */
export interface CdcQueryable {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

interface PgClientLike extends CdcQueryable {
  connect(): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export interface PgPoolLike extends CdcQueryable {
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * The few members of `pg-logical-replication`'s `LogicalReplicationService`
 * the relay calls, declared structurally so no version of it reaches the
 * public types (2.x satisfies it).
 */
export interface ReplicationServiceLike {
  on(event: 'data', listener: (lsn: string, message: unknown) => Promise<void> | void): unknown;
  on(event: 'heartbeat', listener: (lsn: string, timestamp: number, shouldRespond: boolean) => void): unknown;
  on(event: 'start', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  subscribe(plugin: ReplicationPluginLike, slotName: string, startLsn: string): Promise<unknown>;
  /** Reports `lsn + 1` as written, flushed and applied (the next byte wanted). */
  acknowledge(lsn: string, ping?: boolean): Promise<boolean>;
  /** Ends the connection; the pending `subscribe()` then settles. */
  stop(): Promise<unknown>;
}

/** What the service asks of an output plugin: the START_REPLICATION statement and a message parser. */
export interface ReplicationPluginLike {
  readonly options: unknown;
  readonly name: string;
  start(client: CdcQueryable, slotName: string, lastLsn: string): Promise<unknown>;
  parse(buffer: Buffer): unknown;
}

export interface ReplicationConfig {
  readonly acknowledge: { readonly auto: boolean; readonly timeoutSeconds: number };
  readonly flowControl: { readonly enabled: boolean };
}

export interface ReplicationModuleLike {
  LogicalReplicationService: new (clientConfig: object, config: ReplicationConfig) => ReplicationServiceLike;
  PgoutputPlugin: new (options: {
    protoVersion: 1 | 2;
    publicationNames: string[];
  }) => { readonly options: unknown; parse(buffer: Buffer): unknown };
}

interface PgModuleLike {
  Client: new (config: object) => PgClientLike;
  Pool: new (config: object) => PgPoolLike;
}

/** Loads `pg` on first use; `PS_ERR_MISSING_DRIVER` names the install that fixes a missing one. */
export function loadPg(): Promise<PgModuleLike> {
  return importDriver('pg', () => import('pg'));
}

export function loadReplication(): Promise<ReplicationModuleLike> {
  return importDriver('pg-logical-replication', () => import('pg-logical-replication'));
}

/**
 * Opens a pool for the relay's own statements (slot status, heartbeats). An
 * idle client's failure is reported on the pool, where an unheard `'error'`
 * would crash the process; the pool has already dropped that client.
 */
export async function openPool(config: CdcClientConfig): Promise<PgPoolLike> {
  const { Pool } = await loadPg();
  const pool = new Pool({ ...config, max: 2 });
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `fn` on one short-lived connection; connection failures become `PS_ERR_STORE_UNAVAILABLE`. */
export async function withClient<R>(
  config: CdcClientConfig,
  target: PgTarget,
  fn: (client: CdcQueryable) => Promise<R>,
): Promise<R> {
  const { Client } = await loadPg();
  const client = new Client({ ...config });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw openError(err, target);
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs one statement, mapping driver errors to coded ones (values never copied into messages). */
export async function runCdcQuery<R>(
  db: CdcQueryable,
  sql: string,
  params: unknown[],
  action: string,
  target: PgTarget,
): Promise<R[]> {
  try {
    return (await db.query(sql, params)).rows as R[];
  } catch (err) {
    throw cdcError(err, action, target);
  }
}

export function cdcError(err: unknown, action: string, target: PgTarget): PolystoreError {
  if (isTransportError(err)) return connectionLost(err, target);
  if (/^(28|3D)/.test(String((err as { code?: unknown } | null)?.code))) return openError(err, target);
  return toStoreError(err, { driver: 'postgres', action });
}
