import { PolystoreError } from '../../errors/index.js';

export interface MemcachedStoreOptions {
  /**
   * `host:port` of each server. With several, each key lives on exactly one
   * of them (rendezvous hashing of the key), so its `gets`/`cas` guard holds;
   * adding or removing a server moves about 1/n of the keys, which read as
   * absent until written again.
   */
  readonly servers: string | readonly string[];
  /** Prefix of every key the store writes (default `polystore:`): printable ASCII without spaces, at most 64 bytes. */
  readonly keyPrefix?: string;
  /** Milliseconds a command may take before the call fails with `PS_ERR_STORE_UNAVAILABLE` (default 5000). */
  readonly commandTimeoutMs?: number;
}

export interface ResolvedMemcachedOptions {
  readonly servers: readonly string[];
  readonly keyPrefix: string;
  readonly commandTimeoutMs: number;
}

/** Printable ASCII without spaces: what memcached's text protocol takes as a key. */
export const PROTOCOL_SAFE = /^[\x21-\x7e]*$/;
const SERVER = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/;

function invalid(field: string, message: string, fix: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', message, { field, fix });
}

/** Checks the options at construction, before anything connects. */
export function validateOptions(options: MemcachedStoreOptions): ResolvedMemcachedOptions {
  const servers = typeof options?.servers === 'string' ? [options.servers] : options?.servers;
  if (!Array.isArray(servers) || servers.length === 0)
    throw invalid('servers', 'The memcached store needs at least one server', "pass servers: '127.0.0.1:11211'");
  servers.forEach((server, index) => {
    if (typeof server !== 'string' || !SERVER.test(server))
      throw invalid(`servers[${index}]`, 'A memcached server must be given as host:port', "e.g. '127.0.0.1:11211'");
  });
  if (new Set(servers).size !== servers.length)
    throw invalid('servers', 'The memcached servers must be distinct', 'list each server once');
  const keyPrefix = options.keyPrefix ?? 'polystore:';
  if (
    typeof keyPrefix !== 'string' ||
    keyPrefix.length === 0 ||
    keyPrefix.length > 64 ||
    !PROTOCOL_SAFE.test(keyPrefix)
  )
    throw invalid(
      'keyPrefix',
      'A memcached keyPrefix must be 1 to 64 printable ASCII characters without spaces',
      "e.g. 'shop:'",
    );
  const commandTimeoutMs = options.commandTimeoutMs ?? 5000;
  if (!Number.isInteger(commandTimeoutMs) || commandTimeoutMs <= 0)
    throw invalid('commandTimeoutMs', 'commandTimeoutMs must be a positive whole number of milliseconds', 'e.g. 5000');
  return { servers: [...servers], keyPrefix, commandTimeoutMs };
}
