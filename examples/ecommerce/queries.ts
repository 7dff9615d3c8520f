import type { SearchQuery } from '../../src/index.js';

/** The demo's product search: two words, one misspelt, under a price, with brand facets. */
export const PRODUCT_SEARCH = {
  text: 'wireles headphone',
  where: { price: { lte: 500 } },
  facets: ['brand'],
  limit: 5,
} as const satisfies SearchQuery;

/**
 * "Bought together": products that share orders with the given one, by number
 * of shared orders. A product node without a name is only an endpoint left by
 * an order (the product was deleted), so it is not recommended.
 */
export const BOUGHT_TOGETHER = `
MATCH (p:Product {id: $productId})<-[:CONTAINS]-(o:Purchase)-[:CONTAINS]->(other:Product)
WHERE other.id <> $productId AND other.name IS NOT NULL
RETURN other.id AS id, other.name AS name, count(DISTINCT o) AS orders
ORDER BY orders DESC, id
LIMIT $limit`;

/**
 * Products in the categories of what the user bought that the user has not
 * bought, ranked by how many of the user's purchases fall in that category.
 */
export const CATEGORY_RECOMMENDATIONS = `
MATCH (u:User {id: $userId})-[:PLACED]->(:Purchase)-[:CONTAINS]->(:Product)-[:IN_CATEGORY]->(c:Category)<-[:IN_CATEGORY]-(rec:Product)
WHERE NOT EXISTS { MATCH (u)-[:PLACED]->(:Purchase)-[:CONTAINS]->(rec) }
RETURN rec.id AS id, rec.name AS name, c.id AS category, count(*) AS score
ORDER BY score DESC, id
LIMIT $limit`;

export const REVENUE_BY_CATEGORY = `
SELECT category, round(sum(revenue), 2) AS revenue, sum(qty) AS units, count(DISTINCT order_id) AS orders
FROM sales GROUP BY category ORDER BY revenue DESC, category`;

export const REVENUE_BY_DAY = `
SELECT day, round(sum(revenue), 2) AS revenue, count(DISTINCT order_id) AS orders
FROM sales GROUP BY day ORDER BY day DESC LIMIT $1`;

/** Shipments per carrier, from the shipments' analytics table (filled by the order saga's ship step). */
export const SHIPMENTS_BY_CARRIER = `
SELECT carrier, count(*) AS shipments, sum(items) AS items
FROM shipments GROUP BY carrier ORDER BY carrier`;

/**
 * BOUGHT_TOGETHER for many products in one query (a GraphQL level of
 * products asks once): `key` names the product each row recommends for.
 */
export const BOUGHT_TOGETHER_MANY = `
UNWIND $productIds AS pid
MATCH (p:Product {id: pid})<-[:CONTAINS]-(o:Purchase)-[:CONTAINS]->(other:Product)
WHERE other.id <> pid AND other.name IS NOT NULL
RETURN pid AS key, other.id AS id, other.name AS name, count(DISTINCT o) AS orders
ORDER BY key, orders DESC, id`;
