import { isIP } from 'node:net';
import { PolystoreError } from '../errors/index.js';
import { type ApiKeyEntry, type ApiKeys, grants } from './api-keys.js';

/** Who sent a request: an API key's id, or `loopback` on a server without keys. */
export interface Principal {
  readonly id: string;
  /** The key's scopes; null when the server has no keys (loopback development: everything allowed). */
  readonly scopes: readonly string[] | null;
}

const BEARER = /^Bearer ([^\s]{1,200})$/;

/** True for addresses of this machine only (`127.0.0.0/8`, `::1`, and IPv4 mapped into IPv6). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}

/** True when a listen host is a loopback interface (`localhost` included). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host);
}

/**
 * Nothing open by default: with keys configured every request needs
 * `authorization: Bearer <key>` (401 without a known key, 403 without the
 * scope); with none, only requests from this machine are served.
 */
export class AccessControl {
  constructor(private readonly keys: ApiKeys) {}

  get hasKeys(): boolean {
    return this.keys.size > 0;
  }

  /** The request's principal, or a coded 401/403. */
  authenticate(authorization: string | undefined, remoteAddress: string | undefined): Principal {
    if (this.keys.size === 0) {
      if (!isLoopbackAddress(remoteAddress)) {
        throw new PolystoreError('PS_ERR_FORBIDDEN', 'This server has no API keys and serves this machine only', {
          fix: 'configure API keys on the server (polystore keys create) to serve other hosts',
        });
      }
      return { id: 'loopback', scopes: null };
    }
    const presented = authorization === undefined ? null : BEARER.exec(authorization);
    const entry: ApiKeyEntry | null = presented ? this.keys.verify(presented[1]!) : null;
    if (!entry) {
      throw new PolystoreError(
        'PS_ERR_UNAUTHORIZED',
        authorization === undefined ? 'The request has no API key' : 'The API key is not valid here',
        { field: 'authorization', fix: 'send the header authorization: Bearer <api key>' },
      );
    }
    return { id: entry.id, scopes: entry.scopes };
  }

  /** Throws a coded 403 unless the principal holds `scope`. */
  require(principal: Principal, scope: string): void {
    if (principal.scopes === null || grants(principal.scopes, scope)) return;
    throw new PolystoreError('PS_ERR_FORBIDDEN', `The API key ${principal.id} lacks the scope this route needs`, {
      field: scope,
      fix: `mint a key with the scope ${scope} (polystore keys create --scopes ${scope})`,
    });
  }
}
