import type { VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError } from '../../errors/index.js';

/** Longest scope accepted by key-value stores, in bytes. */
export const MAX_SCOPE_BYTES = 128;

/**
 * A scope is a key prefix (`${scope}:${key}`); a ':' inside it would let two
 * scopes overlap. Shared by every key-value adapter so they reject the same input.
 */
export function assertScope(driver: string, scope: string): void {
  if (typeof scope !== 'string' || scope.length === 0 || scope.includes(':') || exceedsBytes(scope, MAX_SCOPE_BYTES)) {
    throw new PolystoreError(
      'PS_ERR_INVALID_ARGUMENT',
      `A ${driver} scope must be a non-empty string without ":" (at most ${MAX_SCOPE_BYTES} bytes)`,
      { field: 'scope', fix: 'use the entity or projector name as the scope, e.g. "product"' },
    );
  }
}

/**
 * True when `text` is longer than `limit` bytes in UTF-8. A UTF-16 code unit
 * takes at most 3 bytes, so short strings (the hot path: every read checks its
 * key) are answered without measuring.
 */
export function exceedsBytes(text: string, limit: number): boolean {
  return text.length * 3 > limit && Buffer.byteLength(text) > limit;
}

/** A TTL is a positive, finite number of milliseconds (or absent: no expiry). */
export function assertTtl(ttlMs: number | undefined, field: string): void {
  if (ttlMs !== undefined && !(typeof ttlMs === 'number' && ttlMs > 0 && ttlMs <= Number.MAX_SAFE_INTEGER)) {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'A TTL must be a positive, finite number of milliseconds', {
      field,
      fix: 'pass e.g. { ttlMs: 60_000 }, or omit the TTL for entries that never expire',
    });
  }
}

/**
 * Checks a whole batch before anything is written, so a bad change never leaves
 * part of a batch applied: an array, a scope, and per change a key (checked by
 * the adapter's own rule) and a finite version.
 */
export function assertChangeBatch(
  driver: string,
  scope: string,
  changes: readonly VersionedChange<unknown>[],
  assertKey: (key: string, field: string) => void,
): void {
  assertScope(driver, scope);
  if (!Array.isArray(changes)) {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'applyIfNewer expects an array of changes', {
      field: 'changes',
    });
  }
  changes.forEach((change, index) => {
    assertKey(change?.key, `changes[${index}].key`);
    if (typeof change.version !== 'number' || !Number.isFinite(change.version)) {
      throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'A change version must be a finite number', {
        field: `changes[${index}].version`,
        fix: 'pass the version from the change event (a log position or row version)',
      });
    }
  });
}
