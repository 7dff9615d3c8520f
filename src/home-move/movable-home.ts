import type { HomeStore, HomeTransaction } from '../contracts/home-store.js';
import { isPolystoreError } from '../errors/index.js';

/**
 * A home that an application can move while it runs (`Polystore.moveHome`):
 * every call goes to the current home; `hold()` makes new transactions wait
 * (the cutover), `switchTo()` replaces the home under everything that holds
 * this one (router, sync engine, checker), and `release()` lets the waiting
 * transactions run, on the new home. A transaction that this process's own
 * move's fence refused (`PS_ERR_HOME_MOVED`; it rolled back whole) runs once
 * more where the move left the home: the new one, or the old one again if
 * the move was given up and its fence lifted.
 */
export interface MovableHome {
  readonly home: HomeStore;
  readonly current: HomeStore;
  /** Homes switched away from: calls that started on them may still run, so they close with the application. */
  readonly retired: readonly HomeStore[];
  hold(): void;
  switchTo(next: HomeStore): void;
  release(): void;
}

export function movableHome(initial: HomeStore): MovableHome {
  let current = initial;
  const retired: HomeStore[] = [];
  let gate: { promise: Promise<void>; open: () => void } | null = null;
  /** From `hold()` to `release()`: a fence refusal then comes from this process's own move. */
  let moving = false;

  const transaction = async <R>(fn: (tx: HomeTransaction) => Promise<R>): Promise<R> => {
    if (gate) await gate.promise;
    try {
      return await current.transaction(fn);
    } catch (err) {
      // Refused by this process's own move's fence (it rolled back whole): run it where the move left the home,
      // the new one, or the old one again if the move was given up and its fence lifted.
      if (!isPolystoreError(err, 'PS_ERR_HOME_MOVED') || !moving) throw err;
      if (gate) await gate.promise;
      return current.transaction(fn);
    }
  };

  const home = new Proxy({} as HomeStore, {
    get(_target, prop) {
      if (prop === 'transaction') return transaction;
      const value = (current as unknown as Record<PropertyKey, unknown>)[prop];
      return typeof value === 'function' ? value.bind(current) : value;
    },
    has: (_target, prop) => prop in current,
  });

  return {
    home,
    get current() {
      return current;
    },
    hold() {
      moving = true;
      if (gate) return;
      let open!: () => void;
      const promise = new Promise<void>((resolve) => {
        open = resolve;
      });
      gate = { promise, open };
    },
    get retired() {
      return retired;
    },
    switchTo(next) {
      retired.push(current);
      current = next;
    },
    release() {
      moving = false;
      gate?.open();
      gate = null;
    },
  };
}
