import { readCheckSettings, type ViewCheckSettings } from './checker/check-settings.js';
import type { HomeStore } from './contracts/home-store.js';
import { PolystoreError } from './errors/index.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, type EntityDef } from './model/define-entity.js';
import type { KeyspaceDef } from './model/define-keyspace.js';
import { DEFAULT_MAX_DEPTH, type RecordLimits } from './model/validate-record.js';
import type { PolystoreConfig, ViewStore } from './polystore-config.js';
import { DEFAULT_MAX_ID_BYTES } from './router/record-ids.js';
import { type BreakerOptions, DEFAULT_BREAKER } from './router/store-breaker.js';
import { type Logger, stderrLogger } from './runtime/logger.js';
import { generationScope, MAX_GENERATION } from './sync/rebuild/view-generations.js';
import type { ViewDef } from './views/view-def.js';

/** A configuration checked once, with every default filled in and what it implies derived. */
export interface ResolvedConfig<E extends EntityDef, K extends KeyspaceDef> {
  readonly home: HomeStore;
  readonly stores: Readonly<Record<string, ViewStore>>;
  readonly entities: ReadonlyMap<string, E>;
  readonly keyspaces: readonly K[];
  readonly views: readonly { view: ViewDef<unknown>; store: ViewStore }[];
  readonly log: PolystoreConfig<E, K>['log'];
  readonly autoStart: boolean;
  readonly readTimeoutMs: number;
  readonly limits: RecordLimits;
  /** Per entity: the longest id every store of the entity holds (home and view stores). */
  readonly maxIdBytes: ReadonlyMap<string, number>;
  readonly viewReads: BreakerOptions;
  /** `check()` settings by view name, as configured (defaults are filled in per check). */
  readonly checks: ReadonlyMap<string, ViewCheckSettings>;
  readonly checkEveryMs: number | undefined;
  readonly logger: Logger;
  /** `schema.apply`: whether `ready()` alters existing tables (`auto`) or leaves that to `polystore migrate` (`manual`). */
  readonly schemaApply: 'auto' | 'manual';
}

/**
 * Checks a Polystore configuration before anything opens, with a coded
 * `PS_ERR_INVALID_CONFIG` naming the option and the fix; never ignores or
 * silently overrides an option.
 */
export function readConfig<E extends EntityDef, K extends KeyspaceDef>(
  config: PolystoreConfig<E, K>,
): ResolvedConfig<E, K> {
  if (typeof config !== 'object' || config === null)
    throw invalid('The Polystore config must be an object', 'config', 'pass { home, entities, ... }');
  const home = config.home;
  if (typeof home?.transaction !== 'function') {
    throw invalid('`home` is not a home store', 'home', 'pass pgliteHome(...), postgresHome(...) or mysqlHome(...)');
  }
  const stores = config.stores ?? {};
  const entities = new Map<string, E>();
  for (const entity of config.entities ?? []) {
    if (entities.has(entity.name))
      throw invalid(`The entity "${entity.name}" is declared twice`, 'entities', 'give each entity a unique name');
    entities.set(entity.name, entity);
  }
  if (entities.size === 0) throw invalid('No entity is declared', 'entities', 'pass at least one defineEntity(...)');
  const storeOf = (name: string, kind: ViewStore['kind'], user: string): ViewStore => {
    const store = stores[name];
    if (!store)
      throw invalid(
        `The ${user} uses the store "${name}", which is not in \`stores\``,
        'stores',
        `add a ${kind} store named "${name}"`,
      );
    if (store.kind !== kind)
      throw invalid(
        `The ${user} needs a ${kind} store, but "${name}" is a ${store.kind} store`,
        'stores',
        `point it at a ${kind} store`,
      );
    return store;
  };
  const names = new Set<string>();
  const views: { view: ViewDef<unknown>; store: ViewStore }[] = [];
  for (const view of config.views ?? []) {
    if (names.has(view.name))
      throw invalid(`The view "${view.name}" is declared twice`, 'views', 'give each view a unique `name`');
    names.add(view.name);
    if (!entities.has(view.entity))
      throw invalid(
        `The view "${view.name}" reads the undeclared entity "${view.entity}"`,
        'views',
        'add the entity to `entities`',
      );
    views.push({
      view,
      store: storeOf(view.store, view.kind === 'cache' ? 'key-value' : view.kind, `view "${view.name}"`),
    });
  }
  const keyspaces = [...(config.keyspaces ?? [])];
  for (const keyspace of keyspaces) storeOf(keyspace.store, 'key-value', `keyspace "${keyspace.name}"`);

  const maxPayloadBytes = positiveInteger(config.maxPayloadBytes, DEFAULT_MAX_PAYLOAD_BYTES, 'maxPayloadBytes');
  const maxDepth = Math.min(DEFAULT_MAX_DEPTH, home.maxJsonDepth ?? DEFAULT_MAX_DEPTH);
  const maxIdBytes = new Map<string, number>();
  for (const name of entities.keys()) {
    let limit = home.maxIdBytes ?? DEFAULT_MAX_ID_BYTES;
    for (const { view, store } of views) {
      // Measured in the longest generation scope, so that a rebuild never meets a key too long for its scope.
      if (view.entity === name && store.maxKeyBytes)
        limit = Math.min(limit, store.maxKeyBytes(generationScope(view.scope, MAX_GENERATION)));
    }
    maxIdBytes.set(name, limit);
  }
  const reads = config.viewReads ?? {};
  const viewReads: BreakerOptions = {
    failureThreshold: positiveInteger(
      reads.failureThreshold,
      DEFAULT_BREAKER.failureThreshold,
      'viewReads.failureThreshold',
    ),
    cooldownMs: positiveInteger(reads.cooldownMs, DEFAULT_BREAKER.cooldownMs, 'viewReads.cooldownMs'),
  };
  const schemaApply = config.schema?.apply ?? 'auto';
  if (schemaApply !== 'auto' && schemaApply !== 'manual')
    throw invalid(
      'schema.apply must be "auto" or "manual"',
      'schema.apply',
      'pass "auto" (ready() applies additive changes) or "manual" (polystore migrate --apply does), or leave it out',
    );
  const autoStart = config.sync?.autoStart;
  if (autoStart !== undefined && typeof autoStart !== 'boolean')
    throw invalid('sync.autoStart must be true or false', 'sync.autoStart', 'pass a boolean, or leave it out');
  return {
    home,
    stores,
    entities,
    keyspaces,
    views,
    log: config.log,
    autoStart: autoStart ?? true,
    readTimeoutMs: positiveInteger(config.readTimeoutMs, 5000, 'readTimeoutMs'),
    limits: { maxPayloadBytes, maxDepth },
    maxIdBytes,
    viewReads,
    checks: readCheckSettings(config.checks, names, 'checks', invalid),
    checkEveryMs: config.checkEveryMs === undefined ? undefined : atLeast(config.checkEveryMs, 1000, 'checkEveryMs'),
    logger: config.logger ?? stderrLogger,
    schemaApply,
  };
}

function positiveInteger(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalid(
      `${field} must be a positive integer`,
      field,
      `pass a whole number of at least 1, or leave ${field} out for ${fallback}`,
    );
  }
  return value;
}

function invalid(message: string, field: string, fix: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', message, { field, fix });
}

function atLeast(value: number, min: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', `${field} must be an integer of at least ${min}`, {
      field,
      fix: `set ${field} to a whole number of milliseconds, ${min} or more`,
    });
  }
  return value;
}
