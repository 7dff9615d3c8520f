import type { AnalyticsValue } from '../contracts/analytics-store.js';
import type { GraphParam } from '../contracts/graph-store.js';
import type { SearchQuery, SearchResult } from '../contracts/search-store.js';
import { type ErrorCode, isPolystoreError, PolystoreError } from '../errors/index.js';
import type { ReadOptions } from '../router/read-options.js';

/**
 * The read options a query carries to a replica: the caller's consistency,
 * with the write token already chosen (`after`: its own newest write, unless
 * it named one), and the time left for the replica to wait.
 */
export interface ReplicaRead {
  readonly consistency?: ReadOptions['consistency'];
  readonly after?: string;
  readonly timeoutMs: number;
  readonly maxStalenessMs?: number;
  readonly onStale?: ReadOptions['onStale'];
}

/** A query of an embedded view, as one process sends it to the replicas of the view's store. */
export type ReplicaRequest =
  | { readonly op: 'search'; readonly entity: string; readonly query: SearchQuery; readonly read: ReplicaRead }
  | {
      readonly op: 'graph';
      readonly store: string;
      readonly text: string;
      readonly params: Readonly<Record<string, GraphParam>>;
      readonly read: ReplicaRead;
    }
  | {
      readonly op: 'analytics';
      readonly store: string;
      readonly text: string;
      readonly params: readonly AnalyticsValue[];
      readonly read: ReplicaRead;
    };

/** What a replica answers a search with: the hits' ids and scores (the caller hydrates them). */
export interface ReplicaSearchAnswer {
  readonly result: SearchResult;
  readonly backfill: { readonly examined: number; readonly total: number } | null;
}

/** A replica's reply: the answer, or the coded error the query raised there, and who answered. */
export type ReplicaResponse<R> =
  | { readonly ok: R; readonly replica: string }
  | {
      readonly error: {
        readonly code: string;
        readonly message: string;
        readonly fix?: string;
        readonly field?: string;
        readonly details?: Record<string, unknown>;
      };
      readonly replica?: string;
    };

/** A reply carrying the error a query raised. */
export type ErrorResponse = Extract<ReplicaResponse<never>, { error: unknown }>;

/** The subject replicas of `store` answer on once they hold the whole view; `standby` while they are still filling it. */
export function replicaSubject(namespace: string, store: string, standby = false): string {
  return `${namespace}.${standby ? 'views-standby' : 'views'}.${store}`;
}

/** The queue group of a store's replicas: each request reaches one of them. */
export function replicaGroup(store: string): string {
  return `polystore-${store}`;
}

const BIGINT = '$ps:bigint';
const DATE = '$ps:date';
const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/**
 * JSON that keeps what query rows hold beyond JSON's own types, so a remote
 * answer equals a local one value for value: bigints (Kuzu and DuckDB
 * integers) and Dates travel tagged.
 */
export function encodeMessage(value: unknown): Uint8Array {
  return ENCODER.encode(
    JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
      if (typeof v === 'bigint') return { [BIGINT]: v.toString() };
      // JSON.stringify calls toJSON first: read the Date from the holder.
      const raw = this[key];
      if (raw instanceof Date) return { [DATE]: Number.isNaN(raw.getTime()) ? null : raw.toISOString() };
      return v;
    }),
  );
}

export function decodeMessage<T>(data: Uint8Array): T {
  return JSON.parse(DECODER.decode(data), (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1) {
        const tagged = v as Record<string, unknown>;
        if (keys[0] === BIGINT && typeof tagged[BIGINT] === 'string') return BigInt(tagged[BIGINT]);
        if (keys[0] === DATE) return new Date(typeof tagged[DATE] === 'string' ? tagged[DATE] : Number.NaN);
      }
    }
    return v;
  }) as T;
}

/** The reply for an error a query raised in a replica: coded errors keep their code, fix and details. */
export function errorReply(err: unknown, replica: string): ErrorResponse {
  if (isPolystoreError(err)) {
    // The message carries its fix at the end: the caller's error adds it back.
    const suffix = err.fix ? `. Fix: ${err.fix}` : '';
    const message = suffix && err.message.endsWith(suffix) ? err.message.slice(0, -suffix.length) : err.message;
    return {
      replica,
      error: {
        code: err.code,
        message,
        ...(err.fix ? { fix: err.fix } : {}),
        ...(err.field ? { field: err.field } : {}),
        ...(err.details === undefined ? {} : { details: err.details }),
      },
    };
  }
  return {
    replica,
    error: { code: 'PS_ERR_STORE_QUERY', message: `The replica ${replica} failed the query: ${String(err)}` },
  };
}

/** The error a replica replied with, raised again in the caller. */
export function replyError(error: ErrorResponse['error']): PolystoreError {
  return new PolystoreError(error.code as ErrorCode, error.message, {
    ...(error.fix ? { fix: error.fix } : {}),
    ...(error.field ? { field: error.field } : {}),
    ...(error.details === undefined ? {} : { details: error.details }),
  });
}
