import { AsyncLocalStorage } from 'node:async_hooks';
import { PolystoreError } from '../../errors/index.js';
import type { RuntimeGuard } from '../../runtime/runtime-guard.js';
import type { PgConnection, PgConnectionGuard } from '../postgres-shared/pg-executor.js';

/**
 * A serialising guard that refuses re-entry. On a single-connection engine a
 * call made on the store from inside one of its own callbacks (typically
 * `home.get()` inside `home.transaction()` instead of `tx.get()`) would wait
 * for a slot its caller holds: a silent deadlock. This turns it into an error.
 */
export function reentrancySafeGuard(guard: RuntimeGuard<PgConnection>, driver: string): PgConnectionGuard {
  const slot = new AsyncLocalStorage<{ active: boolean }>();
  const refuse = (what: string): PolystoreError =>
    new PolystoreError(
      'PS_ERR_INVALID_ARGUMENT',
      `The ${driver} home was called (${what}) from inside one of its own transactions`,
      {
        fix: 'use the transaction argument (tx.get, tx.insert, ...) inside home.transaction(); the engine has one connection, so this call would wait forever',
      },
    );
  return {
    client: () => guard.client(),
    async run(fn) {
      if (slot.getStore()?.active) throw refuse('a store method');
      return guard.run((connection) => {
        const mark = { active: true };
        return slot
          .run(mark, () => fn(connection))
          .finally(() => {
            mark.active = false;
          });
      });
    },
    async close() {
      if (slot.getStore()?.active) throw refuse('close()');
      await guard.close();
    },
  };
}
