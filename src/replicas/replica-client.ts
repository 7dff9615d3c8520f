import type { ViewReplicas } from '../contracts/replica-transport.js';
import { PolystoreError } from '../errors/index.js';
import type { Logger } from '../runtime/logger.js';
import {
  decodeMessage,
  encodeMessage,
  type ReplicaRequest,
  type ReplicaResponse,
  replicaSubject,
  replyError,
} from './replica-protocol.js';

/** Silence after which the replica that took a request is taken for dead (it says it works every 400 ms). */
const SILENT_MS = 1_500;
/** Time allowed to run a query once the replica has waited for its consistency. */
export const QUERY_BUDGET_MS = 30_000;

/**
 * Sends queries of embedded views to their replicas and returns the answer.
 * The replica that takes a request says so at once and every 400 ms while
 * it works on it, so a slow query is waited for, never sent twice, and a
 * replica that dies holding a request is found silent within 1.5 s: the
 * request then goes again to a live member of the group (queries are reads;
 * asking twice is harmless). A store with no replica serving it fails at
 * once with `PS_ERR_NO_REPLICA` (the server knows nobody listens).
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
    for (let attempt = 1; ; attempt++) {
      const now = Date.now();
      const left = deadline - now;
      if (left <= 0) throw noAnswer(store, now - started);
      const payload = encodeMessage({ ...request, read: { ...request.read, timeoutMs: Math.max(1, waitUntil - now) } });
      const wait = { timeoutMs: left, silentMs: SILENT_MS };
      let reply = await transport.request(replicaSubject(namespace, store), payload, wait);
      // No replica holds the whole view yet: one still filling it answers (its answer says so).
      if (reply.kind === 'no-responders')
        reply = await transport.request(replicaSubject(namespace, store, true), payload, wait);
      if (reply.kind === 'no-responders') throw noReplica(store);
      if (reply.kind === 'timeout') throw noAnswer(store, Date.now() - started);
      if (reply.kind === 'silent') {
        this.logger.debug({ store, attempt }, 'the replica that took a query went silent; asking another');
        continue;
      }
      const response = decodeMessage<ReplicaResponse<R>>(reply.data);
      if ('ok' in response) return response.ok;
      throw replyError(response.error);
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
