import type { Registry } from 'prom-client';
import { PolystoreError } from '../errors/index.js';
import { importDriver } from '../runtime/import-driver.js';
import { CustomFamily } from './custom-family.js';
import { METRIC_FAMILIES } from './metric-families.js';
import { OPERATION_FAMILIES, OperationMetrics } from './operation-metrics.js';
import { type MetricsSubject, polystoreCollectors } from './polystore-collectors.js';
import { ScrapeRound } from './scrape-round.js';

/**
 * The part of a prom-client `Registry` Polystore uses, declared structurally
 * so that no prom-client version is tied to the public types.
 */
export interface MetricsRegistry {
  readonly contentType: string;
  metrics(): Promise<string>;
  registerMetric(metric: never): void;
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
}

export interface PolystoreMetricsOptions {
  /** A prom-client registry to register into (to serve it with your own metrics); default: a new one. */
  readonly registry?: MetricsRegistry;
  /**
   * Longest time one collector (the home, a store, the sync figures) may take
   * in a scrape, in ms (default 1000): a slower one is left out of that scrape
   * (`polystore_scrape_collector_up` 0) instead of holding it up.
   */
  readonly collectorBudgetMs?: number;
  /**
   * Each view's lag objective in seconds, or one for every view (default 30),
   * exported as `polystore_view_lag_objective_seconds` for the alert rules.
   */
  readonly lagObjectiveSeconds?: number | Readonly<Record<string, number>>;
  /** Also export prom-client's default process metrics (CPU, memory, event loop). Default false. */
  readonly defaultMetrics?: boolean;
}

export interface PolystoreMetrics {
  /** The Prometheus text exposition of every family, and its content type, read now. */
  render(): Promise<{ contentType: string; body: string }>;
  readonly registry: MetricsRegistry;
  /** Stops measuring router calls and unregisters the families. */
  close(): void;
}

const DEFAULT_LAG_OBJECTIVE_SECONDS = 30;

/**
 * Prometheus metrics of a Polystore (see docs/metrics.md for every family):
 * store call latency and errors measured by the router in this process, and,
 * read at scrape time, the views' durable progress and counters (the same in
 * any process), checks, sagas, backfills, and what the stores report about
 * themselves (pools, server counters, memory). Needs the optional package
 * `prom-client`.
 *
 * @example
 * import { polystoreMetrics } from 'polystore';
 * const metrics = await polystoreMetrics(db, { lagObjectiveSeconds: { orders_cache: 5 } });
 * // In any HTTP framework:
 * app.get('/metrics', async (_req, reply) => {
 *   const { contentType, body } = await metrics.render();
 *   reply.header('content-type', contentType).send(body);
 * });
 * // On shutdown:
 * metrics.close();
 */
export async function polystoreMetrics(
  db: MetricsSubject,
  options: PolystoreMetricsOptions = {},
): Promise<PolystoreMetrics> {
  const budgetMs = checkBudget(options.collectorBudgetMs);
  const lagObjective = checkObjectives(options.lagObjectiveSeconds);
  const prom = await importDriver('prom-client', () => import('prom-client'));
  const registry = (options.registry as Registry | undefined) ?? new prom.Registry();
  const meter = new OperationMetrics();
  const round = new ScrapeRound(polystoreCollectors(db, lagObjective), budgetMs);
  const read = async (name: string) =>
    OPERATION_FAMILIES.has(name) ? meter.samples(name) : ((await round.samples()).get(name) ?? []);
  for (const family of METRIC_FAMILIES)
    registry.registerMetric(new CustomFamily(family, () => read(family.name)) as never);
  if (options.defaultMetrics === true) prom.collectDefaultMetrics({ register: registry });
  const detach = db.instrument(meter);
  return {
    registry,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    close() {
      detach();
      for (const family of METRIC_FAMILIES) registry.removeSingleMetric(family.name);
    },
  };
}

function checkBudget(value: number | undefined): number {
  if (value === undefined) return 1000;
  if (!Number.isSafeInteger(value) || value < 1 || value > 60_000) {
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', 'collectorBudgetMs must be an integer from 1 to 60000', {
      field: 'collectorBudgetMs',
      fix: 'pass milliseconds below your Prometheus scrape timeout, e.g. 1000',
    });
  }
  return value;
}

function checkObjectives(value: PolystoreMetricsOptions['lagObjectiveSeconds']): (view: string) => number {
  const valid = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n > 0;
  const invalid = () =>
    new PolystoreError('PS_ERR_INVALID_CONFIG', 'lagObjectiveSeconds must be a positive number or a map of them', {
      field: 'lagObjectiveSeconds',
      fix: 'pass seconds, e.g. 30, or { view_name: 5 }',
    });
  if (value === undefined) return () => DEFAULT_LAG_OBJECTIVE_SECONDS;
  if (typeof value === 'number') {
    if (!valid(value)) throw invalid();
    return () => value;
  }
  if (typeof value !== 'object' || value === null || !Object.values(value).every(valid)) throw invalid();
  return (view) => value[view] ?? DEFAULT_LAG_OBJECTIVE_SECONDS;
}
