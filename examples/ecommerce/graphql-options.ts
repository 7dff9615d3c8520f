import type { GraphqlOptions } from '../../src/index.js';
import { BOUGHT_TOGETHER_MANY, REVENUE_BY_CATEGORY, SHIPMENTS_BY_CARRIER } from './queries.js';

/**
 * The shop's GraphQL fields beyond each entity's own: a user's orders (from
 * the home), an order's user and products (by id through the cache), a
 * product's "bought together" recommendations (the graph), and revenue by
 * category and shipments by carrier (analytics).
 */
export const shopGraphql: GraphqlOptions = {
  relations: {
    users: { orders: { entity: 'orders', foreignKey: 'userId' } },
    orders: {
      user: { entity: 'users', from: 'userId' },
      products: { entity: 'products', from: 'items[].productId' },
      payments: { entity: 'payments', foreignKey: 'orderId' },
      shipments: { entity: 'shipments', foreignKey: 'orderId' },
    },
  },
  graph: {
    products: { recommended: { store: 'graph', cypher: BOUGHT_TOGETHER_MANY, ids: 'productIds', entity: 'products' } },
  },
  analytics: {
    revenueByCategory: {
      store: 'analytics',
      sql: REVENUE_BY_CATEGORY,
      columns: { category: 'String', revenue: 'Float', units: 'Int', orders: 'Int' },
    },
    shipmentsByCarrier: {
      store: 'analytics',
      sql: SHIPMENTS_BY_CARRIER,
      columns: { carrier: 'String', shipments: 'Int', items: 'Int' },
    },
  },
};
