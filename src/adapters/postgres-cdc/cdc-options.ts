import type { ConnectionOptions } from 'node:tls';
import type { NewDeadLetter } from '../../contracts/dead-letter.js';
import type { EventPublisher } from '../../contracts/event-log.js';
import { PolystoreError } from '../../errors/index.js';
import { isIdentifier } from '../../runtime/identifier.js';
import type { Logger } from '../../runtime/logger.js';
import { resolveRetry } from '../../runtime/retry-options.js';
import type { RetryPolicy } from '../../runtime/retry-policy.js';
import type { PgTarget } from '../postgres/pg-connection-errors.js';
import { POSTGRES_URL_ENV, urlTarget } from '../postgres/postgres-options.js';

/** Where the outbox lives and which slot and publication stream it. */
export interface CdcSlotOptions {
  /**
   * `postgres://user:password@host:5432/database` of the home. The user needs
   * the REPLICATION attribute (or superuser) and must own the outbox table to
   * create the publication. Default: the `POLYSTORE_POSTGRES_URL` environment variable.
   */
  readonly connectionString?: string;
  /** TLS for every connection: `true`, or options for Node's `tls.connect`. */
  readonly ssl?: boolean | ConnectionOptions;
  /** The home's schema, whose `_ps_outbox` is captured. Default `public`. */
  readonly schema?: string;
  /** Replication slot name: lower-case letters, digits and underscores (PostgreSQL's rule for slots). */
  readonly slot: string;
  /** Publication name (an identifier); the publication covers the outbox table only. */
  readonly publication: string;
}

export interface PostgresCdcRelayOptions extends CdcSlotOptions {
  /** Where events go: a broker log that de-duplicates by `eventId`. */
  readonly publisher: EventPublisher;
  /**
   * How often (ms) the relay reports its position, checks the connection and
   * writes a watermark message to the WAL (`pg_logical_emit_message`), so a
   * slot on an idle or filtered database keeps advancing and views' progress
   * is proven without anyone asking (`settle()`). Default 10 000.
   */
  readonly heartbeatMs?: number;
  /** The most events per `publish` call. Default 500. */
  readonly batchSize?: number;
  /** Default: warnings and errors to stderr. */
  readonly logger?: Logger;
  /**
   * Backoff of failed publishes, and how often the broker may refuse one event
   * before it is dead-lettered (with `deadLetters`). Default: 5 attempts, 20 ms doubling to 2 s.
   */
  readonly retry?: Partial<RetryPolicy>;
  /**
   * Where an event the broker keeps refusing goes (under the consumer name
   * `cdc_<slot>`), so it never holds the others back. Absent: such an event is
   * retried until the broker takes it. The sync engine passes the home's store.
   */
  readonly deadLetters?: { add(letter: NewDeadLetter): Promise<unknown> };
}

/** The `pg.Client` settings every CDC connection opens with. */
export interface CdcClientConfig {
  readonly connectionString: string;
  readonly ssl?: boolean | ConnectionOptions;
  readonly application_name: string;
  readonly connectionTimeoutMillis: number;
  readonly keepAlive: boolean;
}

export interface ResolvedCdcTarget {
  readonly client: CdcClientConfig;
  readonly target: PgTarget;
  readonly schema: string;
  readonly slot: string;
  readonly publication: string;
}

export interface ResolvedRelayOptions extends ResolvedCdcTarget {
  readonly publisher: EventPublisher;
  readonly heartbeatMs: number;
  readonly batchSize: number;
  readonly logger: Logger | undefined;
  readonly retry: RetryPolicy;
  readonly deadLetters: { add(letter: NewDeadLetter): Promise<unknown> } | undefined;
}

const SLOT_KEYS = ['connectionString', 'ssl', 'schema', 'slot', 'publication'];
const RELAY_KEYS = [...SLOT_KEYS, 'publisher', 'heartbeatMs', 'batchSize', 'logger', 'retry', 'deadLetters'];
/** PostgreSQL accepts only these characters in a replication slot name. */
const SLOT_NAME = /^[a-z0-9_]{1,63}$/;
const URL_SCHEME = /^postgres(ql)?:\/\//i;

/** Validates the slot options without connecting (`PS_ERR_INVALID_CONFIG`, never echoing the URL). */
export function resolveCdcTarget(options: CdcSlotOptions, env: NodeJS.ProcessEnv = process.env): ResolvedCdcTarget {
  return resolve(options, SLOT_KEYS, env);
}

export function resolveRelayOptions(
  options: PostgresCdcRelayOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedRelayOptions {
  const base = resolve(options, RELAY_KEYS, env);
  const { publisher, heartbeatMs = 10_000, batchSize = 500, logger } = options;
  if (typeof publisher?.publish !== 'function') {
    throw invalid('The postgres CDC relay has no publisher', 'publisher', 'pass an EventPublisher (a broker log)');
  }
  if (!Number.isSafeInteger(heartbeatMs) || heartbeatMs < 10 || heartbeatMs > 600_000) {
    throw invalid(
      'The postgres CDC heartbeatMs must be an integer from 10 to 600000',
      'heartbeatMs',
      'pass e.g. 10000; keep it well under the server wal_sender_timeout (60 s by default)',
    );
  }
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
    throw invalid('The postgres CDC batchSize must be an integer from 1 to 100000', 'batchSize', 'pass e.g. 500');
  }
  const retry = resolveRetry(options.retry, 'retry');
  return { ...base, publisher, heartbeatMs, batchSize, logger, retry, deadLetters: options.deadLetters };
}

function resolve(options: CdcSlotOptions, allowed: readonly string[], env: NodeJS.ProcessEnv): ResolvedCdcTarget {
  if (typeof options !== 'object' || options === null) {
    throw invalid(
      'The postgres CDC options must be an object',
      'options',
      'pass { connectionString, slot, publication }',
    );
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const field = key.slice(0, 32);
      throw invalid(`The postgres CDC has no option "${field}"`, field, `use ${allowed.join(', ')}`);
    }
  }
  const connectionString = options.connectionString ?? env[POSTGRES_URL_ENV];
  if (connectionString === undefined) {
    throw invalid(
      'The postgres CDC has no server to connect to',
      'connectionString',
      `pass connectionString or set ${POSTGRES_URL_ENV}`,
    );
  }
  if (typeof connectionString !== 'string' || !URL_SCHEME.test(connectionString)) {
    throw invalid(
      'The postgres CDC connectionString is not a postgres:// URL',
      'connectionString',
      'pass postgres://user:password@host:5432/database',
    );
  }
  const { ssl } = options;
  if (
    ssl !== undefined &&
    typeof ssl !== 'boolean' &&
    (typeof ssl !== 'object' || ssl === null || Array.isArray(ssl))
  ) {
    throw invalid('The postgres CDC ssl option must be a boolean or TLS options', 'ssl', 'pass true, or { ca, ... }');
  }
  const schema = options.schema ?? 'public';
  if (typeof schema !== 'string' || !isIdentifier(schema)) {
    throw invalid(`The schema "${String(schema).slice(0, 64)}" is not a valid identifier`, 'schema', IDENTIFIER_FIX);
  }
  if (typeof options.slot !== 'string' || !SLOT_NAME.test(options.slot)) {
    throw invalid(
      `The replication slot name "${String(options.slot).slice(0, 64)}" is not valid`,
      'slot',
      'use lower-case letters, digits and underscores only (at most 63 characters)',
    );
  }
  if (typeof options.publication !== 'string' || !isIdentifier(options.publication)) {
    throw invalid(
      `The publication name "${String(options.publication).slice(0, 64)}" is not a valid identifier`,
      'publication',
      IDENTIFIER_FIX,
    );
  }
  const client: CdcClientConfig = {
    connectionString,
    ...(ssl !== undefined ? { ssl } : {}),
    application_name: 'polystore-cdc',
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
  };
  return { client, target: urlTarget(connectionString), schema, slot: options.slot, publication: options.publication };
}

const IDENTIFIER_FIX =
  'use letters, digits and underscores only, starting with a letter or underscore (at most 63 characters)';

function invalid(message: string, field: string, fix: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', message, { field, fix });
}
