import { describe, expect, it } from 'vitest';
import { adviseWorkload } from '../../src/advisor/advise.js';
import { formatContribution } from '../../src/advisor/selection-calculator.js';
import type { EntityPlan } from '../../src/advisor/store-plan.js';
import { loadPrices, loadWorkload } from '../../src/advisor/workload-loader.js';

const file = (name: string) => new URL(`../../examples/workloads/${name}`, import.meta.url).pathname;
const advise = async (name: string) => adviseWorkload(await loadWorkload(file(name)));
const entity = (plan: readonly EntityPlan[], name: string) => plan.find((e) => e.entity === name)!;
/** The first-ranked kind and its contributions as printed. */
const first = (e: EntityPlan) => ({
  store: e.ranking[0]!.store,
  rules: e.ranking[0]!.contributions.map(formatContribution),
});

describe('example workloads against the product brief', () => {
  it('e-commerce: users and orders relational, catalog documents, carts key-value, search, graph, analytics', async () => {
    const { plan, migration, warnings } = await advise('ecommerce.yaml');
    const [users, orders, products, carts, recommendations, sales] = [
      'users',
      'orders',
      'products',
      'carts',
      'recommendations',
      'sales',
    ].map((n) => entity(plan.entities, n)) as EntityPlan[];
    for (const e of [users!, orders!]) {
      expect(first(e).store).toBe('rdbms');
      expect(first(e).rules).toContain('Structured with relations 9 × +3 = 27');
      expect(e.home.storage).toBe('relational');
    }
    expect(first(products!)).toMatchObject({ store: 'document' });
    expect(first(products!).rules[0]).toBe('Flexible documents 9 × +3 = 27');
    expect(products!.home.storage).toBe('document');
    expect(products!.views.map((v) => [v.view, v.label])).toEqual([
      ['cache', 'Read-heavy, low-latency lookups'],
      ['search', 'Full-text search'],
    ]);
    expect(first(carts!).store).toBe('key-value');
    expect(first(carts!).rules[0]).toBe('Ephemeral data with expiry 10 × +3 = 30');
    expect(carts!.home.storage).toBe('keyspace');
    expect(first(recommendations!).store).toBe('graph');
    expect(first(recommendations!).rules[0]).toBe('Relationship traversal 9 × +3 = 27');
    expect(recommendations!.views.map((v) => v.view)).toEqual(['graph']);
    expect(first(sales!).store).toBe('column-family');
    expect(first(sales!).rules[0]).toBe('Aggregations / analytics 9 × +3 = 27');
    expect(sales!.views.map((v) => v.view)).toEqual(['analytics']);
    expect(plan.stores).toEqual(['home', 'cache', 'search', 'graph', 'analytics']);
    expect(warnings.some((w) => w.startsWith('Too many databases'))).toBe(true);
    expect(warnings.some((w) => w.startsWith('5 stores'))).toBe(true);
    expect(migration?.strategy).toBe('read-replica-first');
  });

  it('social network: follows walk a graph, posts are searched, profiles cached', async () => {
    const { plan, migration } = await advise('social-network.yaml');
    const follows = entity(plan.entities, 'follows');
    expect(first(follows).store).toBe('graph');
    expect(first(follows).rules[0]).toBe('Relationship traversal 10 × +3 = 30');
    expect(follows.views.map((v) => v.view)).toEqual(['graph']);
    expect(entity(plan.entities, 'posts').views.map((v) => v.view)).toEqual(['search']);
    expect(entity(plan.entities, 'profiles').views.map((v) => v.view)).toEqual(['cache']);
    const feeds = entity(plan.entities, 'feeds');
    expect(first(feeds).rules).toContain('High write throughput 7 × +3 = 21');
    expect(plan.warnings.some((w) => w.startsWith('feeds: every write goes through the transactional home'))).toBe(
      true,
    );
    expect(migration?.strategy).toBe('cdc');
  });

  it('IoT metrics: readings rank Column-Family then Time-Series on high write throughput +3/+2', async () => {
    const { plan, migration } = await advise('iot-metrics.yaml');
    const readings = entity(plan.entities, 'readings');
    expect(readings.ranking.slice(0, 2).map((r) => r.store)).toEqual(['column-family', 'time-series']);
    expect(readings.ranking[0]!.contributions.map(formatContribution)).toContain('High write throughput 10 × +3 = 30');
    expect(readings.ranking[1]!.contributions.map(formatContribution)).toContain('High write throughput 10 × +2 = 20');
    expect(readings.views.map((v) => [v.view, v.store])).toEqual([['analytics', 'time-series']]);
    expect(first(entity(plan.entities, 'archive')).store).toBe('object-archive');
    expect(entity(plan.entities, 'archive').notes[0]).toContain('polystore export --out DIR');
    expect(first(entity(plan.entities, 'aggregates')).store).toBe('column-family');
    expect(first(entity(plan.entities, 'devices')).store).toBe('rdbms');
    // Few stores: no store-count warning.
    expect(plan.stores).toEqual(['home', 'analytics']);
    expect(plan.warnings.filter((w) => /stores|Too many/.test(w))).toEqual([]);
    expect(migration?.strategy).toBe('chunked');
  });

  it('compares TCO with the example prices, which say they are examples', async () => {
    const prices = await loadPrices(file('prices.example.yaml'));
    expect(prices.note).toMatch(/example figures/);
    const { tco } = adviseWorkload(await loadWorkload(file('iot-metrics.yaml')), { prices });
    // home holds devices, readings, aggregates and archive (22051 GB); analytics holds readings and aggregates (2050 GB).
    expect(tco!.polyglot.lines.map((l) => [l.store, l.kind, l.volumeGb])).toEqual([
      ['home', 'rdbms', 22051],
      ['analytics', 'column-family', 2050],
    ]);
    const rdbms = prices.stores.rdbms!;
    const columns = prices.stores['column-family']!;
    expect(tco!.single.total).toBeCloseTo(22051 * rdbms.storagePerGb + rdbms.compute + prices.opsPerStore, 6);
    expect(tco!.polyglot.total).toBeCloseTo(
      22051 * rdbms.storagePerGb +
        rdbms.compute +
        2050 * columns.storagePerGb +
        columns.compute +
        prices.opsPerStore * 2 * 1.5,
      6,
    );
  });
});
