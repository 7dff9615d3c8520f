import type { openReplicaShop } from '../test/support/replica-shop.js';

/** The replica shop (test/support/replica-shop.ts): products searched in Orama, orders in Kuzu and DuckDB. */
export type ReplicaShop = ReturnType<typeof openReplicaShop>;

/** The kinds of query in the mix, in the order `queryMix` cycles through them. */
export const QUERY_KINDS = ['analytics', 'graph', 'search'] as const;
export type QueryKind = (typeof QUERY_KINDS)[number];

/** Words product names are made of; each search looks for one. */
export const NAME_WORDS = ['wireless', 'desk', 'lamp', 'cable', 'speaker', 'chair', 'monitor', 'charger'];

/** DuckDB: the ten products with the most revenue, over every order. */
const TOP_PRODUCTS =
  'SELECT product_id, sum(qty) AS qty, round(sum(amount), 2) AS revenue, count(*) AS orders FROM sales GROUP BY product_id ORDER BY revenue DESC, product_id LIMIT 10';

/** Kuzu: the users who bought most of the same products as one user. */
const CO_BUYERS =
  'MATCH (u:User {id: $u})-[:BOUGHT]->(p:Product)<-[:BOUGHT]-(o:User) WHERE o.id <> $u RETURN o.id AS user, count(*) AS shared ORDER BY shared DESC, user LIMIT 5';

/** The kind of query `index` runs: the three alternate. */
export function queryKind(index: number): QueryKind {
  return QUERY_KINDS[index % QUERY_KINDS.length]!;
}

/**
 * The query mix P10 times: an aggregate over the sales table (DuckDB), a
 * co-buyers query of one user (Kuzu) and a search of one word (Orama, ten
 * hits hydrated from the home), in turn. The same function runs against a
 * process's own stores and through replicas.
 */
export function queryMix(db: ReplicaShop, users: number): (index: number) => Promise<unknown> {
  const graph = coBuyers(db, users);
  return (index) => {
    const turn = Math.floor(index / QUERY_KINDS.length);
    switch (queryKind(index)) {
      case 'analytics':
        return db.analytics('analytics').query(TOP_PRODUCTS);
      case 'graph':
        return graph(turn);
      default:
        return db.entity('products').search({ text: NAME_WORDS[turn % NAME_WORDS.length]!, limit: 10 });
    }
  };
}

/** The mix's Kuzu query alone: the co-buyers of user `n * 7` (modulo `users`) for the `n`th call. */
export function coBuyers(db: ReplicaShop, users: number): (n: number) => Promise<unknown> {
  return (n) => db.graph('graph').query(CO_BUYERS, { u: userId((n * 7) % users) });
}

export function userId(n: number): string {
  return `u${n}`;
}
