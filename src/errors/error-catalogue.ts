/**
 * The one catalogue of Polystore error codes. Codes are never reused; each has
 * a message template, an HTTP status where it applies and a documented fix.
 * `docs/errors.md` documents every code (a test checks it).
 */
export const ERROR_CATALOGUE = {
  PS_ERR_VALIDATION: {
    status: 400,
    summary: 'A record does not match its entity schema.',
  },
  PS_ERR_UNKNOWN_ENTITY: {
    status: 404,
    summary: 'The entity name is not declared in the model.',
  },
  PS_ERR_UNKNOWN_FIELD: {
    status: 400,
    summary: 'A field named in a record, patch or filter is not declared by the entity.',
  },
  PS_ERR_INVALID_FILTER: {
    status: 400,
    summary: 'A query filter is malformed: an unknown operator, a wrong operand type or an unsafe key.',
  },
  PS_ERR_PAYLOAD_TOO_LARGE: {
    status: 413,
    summary: 'A record is larger than the configured payload limit.',
  },
  PS_ERR_NOT_FOUND: {
    status: 404,
    summary: 'No record has this id.',
  },
  PS_ERR_ALREADY_EXISTS: {
    status: 409,
    summary: 'A record with this id already exists.',
  },
  PS_ERR_VERSION_CONFLICT: {
    status: 409,
    summary: 'The record changed since the version the caller expected (optimistic concurrency).',
  },
  PS_ERR_INVALID_CONFIG: {
    status: 500,
    summary: 'The model or an adapter option is invalid.',
  },
  PS_ERR_MISSING_DRIVER: {
    status: 500,
    summary: 'An optional package needed by a configured store (or by reading workload files) is not installed.',
  },
  PS_ERR_SCHEMA_CHANGE: {
    status: 409,
    summary: 'An entity schema changed in a way the home cannot apply without losing or rejecting data.',
  },
  PS_ERR_SCHEMA_PENDING: {
    status: 409,
    summary:
      'An entity table differs from its declaration by additive changes that schema.apply "manual" leaves to `polystore migrate --apply`.',
  },
  PS_ERR_STORE_UNAVAILABLE: {
    status: 503,
    summary: 'A store could not be reached or failed to open.',
  },
  PS_ERR_HOME_MOVED: {
    status: 410,
    summary: 'The home was moved to another database: it refuses writes; the message names the new home.',
  },
  PS_ERR_HOME_MOVE: {
    status: 409,
    summary:
      'A home cannot be moved as asked: the target holds other data, a backfill or rebuild is unfinished, or the copy did not verify.',
  },
  PS_ERR_STORE_CLOSED: {
    status: 503,
    summary: 'A store was used after close().',
  },
  PS_ERR_STORE_QUERY: {
    status: 500,
    summary: 'A store rejected a statement.',
  },
  PS_ERR_NO_REPLICA: {
    status: 503,
    summary: 'A query of an embedded view found no replica of it running in any process.',
  },
  PS_ERR_EMBEDDED_VIEW_SHARED: {
    status: 500,
    summary: 'An embedded view is already projected by another live process under the same consumer.',
  },
  PS_ERR_CONSISTENCY_TIMEOUT: {
    status: 504,
    summary: 'A read-your-writes read waited longer than its timeout for the views to apply the write.',
  },
  PS_ERR_UNSUPPORTED_READ: {
    status: 400,
    summary: 'The entity has no view able to serve this kind of read.',
  },
  PS_ERR_PROJECTION_FAILED: {
    status: 500,
    summary: 'A projector could not apply an event to its view.',
  },
  PS_ERR_DEAD_LETTER_NOT_FOUND: {
    status: 404,
    summary: 'No dead letter has this id.',
  },
  PS_ERR_INVALID_ARGUMENT: {
    status: 400,
    summary: 'An argument to a Polystore call is malformed.',
  },
  PS_ERR_BACKFILL_STATE: {
    status: 409,
    summary: 'A backfill cannot take this action in its state, or another worker holds its lease.',
  },
  PS_ERR_TRANSACTION_CONFLICT: {
    status: 409,
    summary:
      'The home aborted a transaction that conflicted with a concurrent one (deadlock, lock wait timeout, serialization failure); nothing was written.',
  },
  PS_ERR_SAGA_DEFINITION: {
    status: 500,
    summary:
      'A saga definition is invalid: no steps, a repeated or malformed step name, a missing compensation, a bad timeout or retry.',
  },
  PS_ERR_UNKNOWN_SAGA: {
    status: 404,
    summary: 'No saga definition has this name, or no saga has this id.',
  },
  PS_ERR_SAGA_LEASE_LOST: {
    status: 409,
    summary: "A worker tried to record a saga's progress without holding its lease; nothing of the step was recorded.",
  },
  PS_ERR_SAGA_UNKNOWN_VERSION: {
    status: 409,
    summary: 'A saga was started with a definition version this worker does not have; the worker leaves it alone.',
  },
  PS_ERR_SAGA_STATE: {
    status: 409,
    summary:
      'A saga cannot take this action in its state (resume a completed one, retry the compensation of a running one).',
  },
  PS_ERR_SAGA_STEP_TIMEOUT: {
    status: 504,
    summary: 'A saga step ran longer than its timeoutMs; the attempt counts as failed.',
  },
  PS_ERR_UNAUTHORIZED: {
    status: 401,
    summary: 'An HTTP request carries no API key, or one the server does not know.',
  },
  PS_ERR_FORBIDDEN: {
    status: 403,
    summary:
      'An HTTP request is not allowed: its API key lacks the scope, or (no keys configured) it comes from another host.',
  },
  PS_ERR_ROUTE_NOT_FOUND: {
    status: 404,
    summary: 'No HTTP route answers this method and path (or the server was started without it, e.g. /metrics).',
  },
  PS_ERR_UNSAFE_BIND: {
    status: 500,
    summary: 'The HTTP server would listen on a non-loopback address with no API key configured.',
  },
  PS_ERR_INTERNAL: {
    status: 500,
    summary: 'An unexpected error answered an HTTP request; the server log has its details.',
  },
  PS_ERR_INVALID_WORKLOAD: {
    status: 400,
    summary: 'A workload or price file for `polystore advise` cannot be read or does not match its schema.',
  },
  PS_ERR_GRAPHQL_DOCUMENT: {
    status: 400,
    summary:
      'A GraphQL request does not parse or does not validate against the schema (an unknown field, a wrong argument type).',
  },
  PS_ERR_GRAPHQL_TOO_MANY: {
    status: 400,
    summary:
      'A GraphQL relation, or a filter through a relation, reaches more related records than one home query reads (9999 rows per relation load, 1000 matches for a filter).',
  },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
