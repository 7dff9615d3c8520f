import type { ViewReplicas } from '../contracts/replica-transport.js';
import { isPolystoreError, PolystoreError } from '../errors/index.js';
import type { Logger } from '../runtime/logger.js';
import {
  decodeMessage,
  encodeMessage,
  type ReplicaRequest,
  type ReplicaResponse,
  replicaSubject,
  replyError,
} from './replica-protocol.js';

/** The first attempt's wait for a reply; each retry waits twice as long (the replica that took it may have died). */
const FIRST_ATTEMPT_MS = 1_000;
/** Time a reply needs to travel back, kept out of what the replica may spend waiting. */
const REPLY_MARGIN_MS = 100;
/** Time allowed to run a query once the replica has waited for its consistency. */
export const QUERY_BUDGET_MS = 30_000;

/**
 * Sends queries of embedded views to their replicas and returns the first
 * answer. A store with no replica serving it fails at once with
 * `PS_ERR_NO_REPLICA` (the server knows nobody listens); one whose replica
 * does not answer in time (it died holding the request) is asked again, the
 * next request going to a live member of the group. Queries are reads, so
 * asking twice is harmless. A replica that could not reach the caller's
 * write in the time the attempt gave it is asked again too: another may be
 * further ahead.
 */
export class ReplicaClient {
  constructor(
    private readonly replicas: ViewReplicas,
    private readonly logger: Logger,
  ) {}

  /**
   * One request to the replicas of `store`. `waitMs` bounds the replica's
   * consistency wait (the caller's `timeoutMs`); running the query itself
   * may take {@link QUERY_BUDGET_MS} more.
   */
  async ask<R>(store: string, request: ReplicaRequest, waitMs: number): Promise<R> {
    const { transport, namespace } = this.replicas;
    const started = Date.now();
    const deadline = started + waitMs + QUERY_BUDGET_MS;
    const waitUntil = started + waitMs;
    let attemptMs = FIRST_ATTEMPT_MS;
    let lastTimeout: PolystoreError | undefined;
    for (let attempt = 1; ; attempt++) {
      const now = Date.now();
      const left = deadline - now;
      if (left <= 0 || (lastTimeout && now >= waitUntil)) throw lastTimeout ?? noAnswer(store, Date.now() - started);
      const timeout = Math.min(left, attemptMs);
      const payload = encodeMessage({
        ...request,
        read: { ...request.read, timeoutMs: Math.max(1, Math.min(waitUntil - now, timeout - REPLY_MARGIN_MS)) },
      });
      let reply = await transport.request(replicaSubject(namespace, store), payload, timeout);
      // No replica holds the whole view yet: one still filling it answers (its answer says so).
      if (reply.kind === 'no-responders')
        reply = await transport.request(replicaSubject(namespace, store, true), payload, timeout);
      if (reply.kind === 'no-responders') throw noReplica(store);
      if (reply.kind === 'timeout') {
        this.logger.debug({ store, attempt, timeoutMs: timeout }, 'a replica did not answer in time; asking again');
        attemptMs *= 2;
        continue;
      }
      const response = decodeMessage<ReplicaResponse<R>>(reply.data);
      if ('ok' in response) return response.ok;
      const error = replyError(response.error);
      if (!isPolystoreError(error, 'PS_ERR_CONSISTENCY_TIMEOUT')) throw error;
      lastTimeout = error;
      attemptMs *= 2;
    }
  }
}

function noReplica(store: string): PolystoreError {
  return new PolystoreError('PS_ERR_NO_REPLICA', `No replica of the embedded store "${store}" is running`, {
    fix: 'start a worker with this config (`npx polystore worker`): it keeps a replica of the store and answers its queries',
    details: { store },
  });
}

function noAnswer(store: string, waitedMs: number): PolystoreError {
  return new PolystoreError(
    'PS_ERR_NO_REPLICA',
    `No replica of the embedded store "${store}" answered within ${waitedMs} ms`,
    {
      fix: 'check that the workers keeping its replicas are alive and not overloaded (`polystore status`)',
      details: { store, waitedMs },
    },
  );
}
