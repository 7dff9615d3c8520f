import { assertIdentifier } from '../runtime/identifier.js';
import type { InferOutput, StandardSchemaV1 } from './standard-schema.js';

export interface KeyspaceOptions<Name extends string, S extends StandardSchemaV1> {
  readonly name: Name;
  readonly schema: S;
  /** Key-value store name from the config's `stores`. */
  readonly store: string;
  /** Default time to live of an entry in ms; unset keeps entries until deleted. */
  readonly ttlMs?: number;
  /** Largest accepted value in bytes (default: the model's limit). */
  readonly maxPayloadBytes?: number;
}

/** Ephemeral, schema-checked values that live only in a key-value store (carts, sessions). */
export interface KeyspaceDef<Name extends string = string, T = unknown> {
  readonly name: Name;
  readonly schema: StandardSchemaV1<unknown, T>;
  readonly store: string;
  readonly ttlMs: number | undefined;
  readonly maxPayloadBytes: number | undefined;
}

/**
 * Declares a keyspace: data whose only home is a key-value store, with a TTL.
 * It has no outbox and no views; use an entity for anything that must last.
 *
 * @example
 * const carts = defineKeyspace({ name: 'carts', store: 'cache', ttlMs: 30 * 60_000, schema: cartSchema });
 * await db.keyspace('carts').set('u1', { items: [] });
 */
export function defineKeyspace<const Name extends string, S extends StandardSchemaV1>(
  options: KeyspaceOptions<Name, S>,
): KeyspaceDef<Name, InferOutput<S>> {
  assertIdentifier(options.name, 'keyspace name');
  return {
    name: options.name,
    schema: options.schema as StandardSchemaV1<unknown, InferOutput<S>>,
    store: options.store,
    ttlMs: options.ttlMs,
    maxPayloadBytes: options.maxPayloadBytes,
  };
}
