import type { ViewReplicas } from '../contracts/replica-transport.js';
import { PolystoreError } from '../errors/index.js';
import { describeError, type Logger } from '../runtime/logger.js';
import {
  decodeMessage,
  encodeMessage,
  errorReply,
  type ReplicaRequest,
  type ReplicaSearchAnswer,
  replicaGroup,
  replicaSubject,
} from './replica-protocol.js';

/** What a replica runs for each request, in its own process (its router, its views). */
export interface ReplicaHandlers {
  search(request: Extract<ReplicaRequest, { op: 'search' }>): Promise<ReplicaSearchAnswer>;
  graph(request: Extract<ReplicaRequest, { op: 'graph' }>): Promise<unknown[]>;
  analytics(request: Extract<ReplicaRequest, { op: 'analytics' }>): Promise<unknown[]>;
  /** Whether a view of `store` is still being filled (its first backfill runs): it then answers only as a standby. */
  filling(store: string): Promise<boolean>;
}

/** How often a replica still filling its views looks whether it may join the serving group. */
const JOIN_POLL_MS = 250;

/**
 * The serving side of a replica: answers queries of the embedded stores this
 * process keeps, each store in its own queue group. While a store's views are
 * still being filled from the home (a new replica's first backfill), the
 * replica answers only on the store's standby subject, which callers ask when
 * no replica is serving; once filled it joins the serving group.
 */
export class ReplicaHost {
  readonly #stops = new Map<string, () => Promise<void>>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #abort: AbortController | undefined;
  #requests = 0;
  #joining: Promise<void> | undefined;

  constructor(
    private readonly replicas: ViewReplicas,
    private readonly stores: ReadonlySet<string>,
    private readonly handlers: ReplicaHandlers,
    private readonly logger: Logger,
  ) {}

  /** Requests this replica took since it started. */
  get requests(): number {
    return this.#requests;
  }

  /** Stores whose serving group this replica has joined. */
  get serving(): readonly string[] {
    return [...this.#stops.keys()].filter((key) => !key.endsWith(':standby'));
  }

  async start(): Promise<void> {
    if (this.#abort || this.stores.size === 0) return;
    const abort = new AbortController();
    this.#abort = abort;
    await this.replicas.transport.ready();
    const filling: string[] = [];
    for (const store of this.stores) {
      if (await this.handlers.filling(store)) {
        await this.#serve(store, true);
        filling.push(store);
      } else await this.#serve(store, false);
    }
    if (filling.length > 0) this.#joining = this.#joinWhenFilled(filling, abort.signal);
  }

  /** Stops answering (queries in flight are answered first). */
  async stop(): Promise<void> {
    const abort = this.#abort;
    if (!abort) return;
    this.#abort = undefined;
    abort.abort();
    await this.#joining;
    await Promise.all([...this.#stops.values()].map((stop) => stop().catch(() => undefined)));
    this.#stops.clear();
    await Promise.all(this.#inFlight);
  }

  async #untilFilled(store: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (await this.handlers.filling(store)) {
      if (Date.now() >= deadline) throw stillFilling(store, timeoutMs);
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now()))));
    }
  }

  async #joinWhenFilled(stores: string[], signal: AbortSignal): Promise<void> {
    let waiting = stores;
    while (waiting.length > 0 && !signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, JOIN_POLL_MS));
      const still: string[] = [];
      for (const store of waiting) {
        if (signal.aborted) return;
        const filling = await this.handlers.filling(store).catch(() => true);
        if (filling) {
          still.push(store);
          continue;
        }
        await this.#serve(store, false);
        await this.#stops.get(`${store}:standby`)?.();
        this.#stops.delete(`${store}:standby`);
        this.logger.info({ store, replica: this.replicas.replica }, 'replica filled: serving queries');
      }
      waiting = still;
    }
  }

  async #serve(store: string, standby: boolean): Promise<void> {
    const { transport, namespace, replica } = this.replicas;
    const stop = await transport.serve(replicaSubject(namespace, store, standby), replicaGroup(store), (data) => {
      this.#requests++;
      const answer = this.#answer(store, data, standby).catch((err: unknown) => {
        this.logger.warn({ store, error: describeError(err) }, 'replica query failed');
        return errorReply(err, replica);
      });
      // Never rejects: a failure is answered as a coded error.
      this.#inFlight.add(answer);
      return answer.then(encodeMessage).finally(() => this.#inFlight.delete(answer));
    });
    this.#stops.set(standby ? `${store}:standby` : store, stop);
  }

  async #answer(store: string, data: Uint8Array, standby: boolean): Promise<unknown> {
    const replica = this.replicas.replica;
    let request: ReplicaRequest;
    try {
      request = decodeMessage<ReplicaRequest>(data);
    } catch {
      return errorReply(
        new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'The replica request is not valid JSON'),
        replica,
      );
    }
    try {
      // A replica still filling its views answers read-your-writes only once filled: the write
      // awaited may be one its backfill has not copied yet, though its consumer is past it.
      if (standby && request.read?.consistency === 'read-your-writes')
        await this.#untilFilled(store, request.read.timeoutMs);
      const ok =
        request.op === 'search'
          ? await this.handlers.search(request)
          : request.op === 'graph'
            ? await this.handlers.graph(mustBeStore(request, store))
            : request.op === 'analytics'
              ? await this.handlers.analytics(mustBeStore(request, store))
              : unknownOp(request);
      return { ok, replica };
    } catch (err) {
      return errorReply(err, replica);
    }
  }
}

/** Fails a read-your-writes wait that outlasts its timeout while the replica fills its views. */
function stillFilling(store: string, timeoutMs: number): PolystoreError {
  return new PolystoreError(
    'PS_ERR_CONSISTENCY_TIMEOUT',
    `The only replica of "${store}" was still filling its views from the home after ${timeoutMs} ms`,
    {
      fix: 'raise `timeoutMs`, or wait for the replica to finish its backfill (`polystore status`)',
      details: { behind: [store], timeoutMs },
    },
  );
}

function mustBeStore<R extends { store: string }>(request: R, store: string): R {
  if (request.store !== store) return { ...request, store };
  return request;
}

function unknownOp(request: { op?: unknown }): never {
  throw new PolystoreError(
    'PS_ERR_INVALID_ARGUMENT',
    `Replicas do not answer "${String(request.op).slice(0, 32)}" requests`,
    {
      fix: 'send search, graph or analytics requests (a newer Polystore version may send others)',
    },
  );
}
