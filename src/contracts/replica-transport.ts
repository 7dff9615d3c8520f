/**
 * How a query reaches the replicas of an embedded view: request/reply to a
 * group of servers where each request is answered by one live member (NATS
 * queue groups). The sync engine, the router and the replicas are written
 * against this interface only.
 */
export interface ReplicaTransport {
  /** A short name for logs and errors (`nats`). Never a URL. */
  readonly driver: string;
  /** Connects. Idempotent. */
  ready(): Promise<void>;
  /**
   * Answers requests sent to `subject`: each one goes to one member of
   * `group` among every process serving it. The member says at once that it
   * took the request, and again every {@link REPLICA_HEARTBEAT_MS} while it
   * works on it, until it sends the answer. Resolves once the server has the
   * subscription; the returned function stops answering (requests in flight
   * are still answered).
   */
  serve(
    subject: string,
    group: string,
    handler: (request: Uint8Array) => Promise<Uint8Array>,
  ): Promise<() => Promise<void>>;
  /**
   * Sends one request and waits for its answer: up to `timeoutMs` in all,
   * and up to `silentMs` without hearing from the member that took it (it
   * died, or none took it).
   */
  request(
    subject: string,
    payload: Uint8Array,
    wait: { readonly timeoutMs: number; readonly silentMs: number },
  ): Promise<ReplicaReply>;
  /** Closes what `ready()` opened. */
  close(): Promise<void>;
}

/** How often a member working on a request says it is still at it. */
export const REPLICA_HEARTBEAT_MS = 400;

/**
 * The outcome of one request: a reply, nobody serving the subject at all
 * (known at once), or no reply in time: `silent` when the member that took it
 * stopped saying it works on it (it died), `timeout` when it was still
 * working at the end.
 */
export type ReplicaReply =
  | { readonly kind: 'reply'; readonly data: Uint8Array }
  | { readonly kind: 'no-responders' }
  | { readonly kind: 'silent' }
  | { readonly kind: 'timeout' };

/** `replicas` in the config: where queries of embedded views travel, and this process's replica name. */
export interface ViewReplicas {
  readonly transport: ReplicaTransport;
  /** This process's replica name when it projects embedded views (letters, digits, `_`). */
  readonly replica: string;
  /** Subject prefix shared by every process of one deployment. */
  readonly namespace: string;
}
