import type { AnalyticsStore, AnalyticsValue } from '../contracts/analytics-store.js';
import type { GraphParam, GraphStore } from '../contracts/graph-store.js';
import type { ReplicaRead, ReplicaRequest } from '../replicas/replica-protocol.js';
import { countFailure, timedCall } from '../runtime/operation-meter.js';
import type { ReadOptions } from './read-options.js';
import {
  awaitConsistency,
  freshEnough,
  type RouterContext,
  remoteStore,
  replicaRead,
  strongUnsupported,
} from './router-context.js';

/**
 * Parameterised Cypher reads against a graph store.
 *
 * @example
 * const rows = await db.graph('graph').query(
 *   'MATCH (p:Product {id: $id})<-[:BOUGHT]-(:User)-[:BOUGHT]->(o:Product) WHERE o.id <> $id RETURN o.id AS id, count(*) AS n ORDER BY n DESC LIMIT 5',
 *   { id: 'p1' },
 * );
 */
export class GraphClient {
  constructor(
    private readonly name: string,
    private readonly store: GraphStore,
    private readonly views: readonly string[],
    private readonly ctx: RouterContext,
  ) {}

  query<R = Record<string, unknown>>(
    cypher: string,
    params: Readonly<Record<string, GraphParam>> = {},
    options?: ReadOptions,
  ): Promise<R[]> {
    return viewQuery(
      this.ctx,
      'A graph query',
      this.views,
      options,
      this.name,
      () => this.store.query<R>(cypher, params),
      (read) => ({ op: 'graph', store: this.name, text: cypher, params, read }),
    );
  }
}

/**
 * Parameterised SQL aggregates against an analytics store.
 *
 * @example
 * const revenue = await db.analytics('analytics').query(
 *   'SELECT category, sum(revenue) AS revenue FROM sales WHERE day >= $1 GROUP BY category ORDER BY revenue DESC',
 *   ['2026-01-01'],
 * );
 */
export class AnalyticsClient {
  constructor(
    private readonly name: string,
    private readonly store: AnalyticsStore,
    private readonly views: readonly string[],
    private readonly ctx: RouterContext,
  ) {}

  query<R = Record<string, unknown>>(
    sql: string,
    params: readonly AnalyticsValue[] = [],
    options?: ReadOptions,
  ): Promise<R[]> {
    return viewQuery(
      this.ctx,
      'An analytics query',
      this.views,
      options,
      this.name,
      () => this.store.query<R>(sql, params),
      (read) => ({ op: 'analytics', store: this.name, text: sql, params, read }),
    );
  }
}

/**
 * A query of a view store: refuses `strong`, waits for read-your-writes (and
 * a fresh enough view), then runs it, measured. An embedded store kept by
 * replicas in other processes is asked through them instead (`request`): the
 * replica that answers waits for the caller's write itself.
 */
function viewQuery<R>(
  ctx: RouterContext,
  what: string,
  views: readonly string[],
  options: ReadOptions | undefined,
  store: string,
  run: () => Promise<R>,
  request: (read: ReplicaRead) => ReplicaRequest,
): Promise<R> {
  return countFailure(
    ctx.meter,
    (async () => {
      if (options?.consistency === 'strong') throw strongUnsupported(what);
      const remote = remoteStore(ctx, store);
      if (remote) {
        const read = replicaRead(ctx, options);
        return timedCall(ctx.meter, store, 'query', () => remote.ask<R>(store, request(read), read.timeoutMs));
      }
      await awaitConsistency(ctx, views, options);
      // The home cannot answer these: a view too stale for maxStalenessMs is waited for.
      await freshEnough(ctx, views, options, false);
      return timedCall(ctx.meter, store, 'query', run);
    })(),
  );
}
