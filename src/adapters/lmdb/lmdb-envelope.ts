import type { VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError } from '../../errors/index.js';
import {
  assertChangeBatch,
  assertScope as assertSharedScope,
  exceedsBytes,
} from '../key-value-shared/key-value-checks.js';
import { entryKey } from '../key-value-shared/key-value-envelope.js';

export {
  type Envelope,
  entryKey,
  expiresAt,
  isLive,
  isLiveVersioned,
  plainEnvelope,
  type VersionedEnvelope,
  versionedEnvelope,
} from '../key-value-shared/key-value-envelope.js';

/** LMDB's default build limits keys to 1978 bytes; the expiry index adds a few. */
export const MAX_KEY_BYTES = 1024;

/** Keys of `scope` sort in `[scope + ':', scope + ';')` (';' follows ':' in UTF-8). */
export function scopeRange(scope: string): { start: string; end: string } {
  return { start: `${scope}:`, end: `${scope};` };
}

export function assertKey(key: string, what = 'key'): void {
  if (typeof key !== 'string' || key.length === 0 || exceedsBytes(key, MAX_KEY_BYTES)) {
    throw new PolystoreError(
      'PS_ERR_INVALID_ARGUMENT',
      `An lmdb ${what} must be a non-empty string of at most ${MAX_KEY_BYTES} bytes`,
      {
        field: what,
        fix: 'use shorter keys, e.g. an entity id rather than a serialised record',
      },
    );
  }
}

/** Scopes and TTLs follow the rules every key-value adapter shares. */
export { assertTtl } from '../key-value-shared/key-value-checks.js';

export function assertScope(scope: string): void {
  assertSharedScope('lmdb', scope);
}

export function assertValue(value: unknown, field: string): void {
  if (value === undefined) {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'An lmdb value must be JSON-serialisable; undefined is not', {
      field,
      fix: 'store null, or delete the key with del()',
    });
  }
}

/** Checks a whole batch before the transaction starts, so a bad change never leaves half a batch written. */
export function assertChanges(scope: string, changes: readonly VersionedChange<unknown>[]): void {
  assertChangeBatch('lmdb', scope, changes, (key, field) => {
    assertKey(key, field);
    assertKey(entryKey(scope, key), field);
  });
  for (const [index, change] of changes.entries()) assertValue(change.value, `changes[${index}].value`);
}
