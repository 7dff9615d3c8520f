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
   * `group` among every process serving it. Resolves once the server has the
   * subscription; the returned function stops answering (requests in flight
   * are still answered).
   */
  serve(
    subject: string,
    group: string,
    handler: (request: Uint8Array) => Promise<Uint8Array>,
  ): Promise<() => Promise<void>>;
  /** Sends one request and waits up to `timeoutMs` for its reply. */
  request(subject: string, payload: Uint8Array, timeoutMs: number): Promise<ReplicaReply>;
  /** Closes what `ready()` opened. */
  close(): Promise<void>;
}

/**
 * The outcome of one request: a reply, nobody serving the subject at all
 * (known at once), or no reply in time (the member that took it may have died).
 */
export type ReplicaReply =
  | { readonly kind: 'reply'; readonly data: Uint8Array }
  | { readonly kind: 'no-responders' }
  | { readonly kind: 'timeout' };

/** `replicas` in the config: where queries of embedded views travel, and this process's replica name. */
export interface ViewReplicas {
  readonly transport: ReplicaTransport;
  /** This process's replica name when it projects embedded views (letters, digits, `_`). */
  readonly replica: string;
  /** Subject prefix shared by every process of one deployment. */
  readonly namespace: string;
}
