import { isPolystoreError, nonRetryable, type PolystoreTransaction, type TransactionClients } from '../../src/index.js';
import type { payments } from './model.js';

/** Test cards, as payment providers publish them. */
export const CARDS = {
  ok: '4242424242424242',
  declined: '4000000000000002',
  /** Charged, but the first reply is lost on the way back: the saga asks again with the same key. */
  lostReply: '4000000000000259',
} as const;

/** What the gateway needs of a Polystore: transactions over its ledger. */
export interface GatewayLedger {
  transaction<R>(fn: (tx: PolystoreTransaction<TransactionClients<typeof payments>>) => Promise<R>): Promise<R>;
}

export interface Payment {
  readonly id: string;
  readonly amount: number;
  readonly requests: number;
}

/**
 * A stand-in payment provider that honours idempotency keys the way real
 * ones do: the first charge request with a key charges, every later request
 * with that key returns the same payment and charges nothing. Its ledger is
 * the `payments` table of the home (relational rows).
 *
 * @example
 * // In a saga's external step: the key is the same on every attempt.
 * run: ({ idempotencyKey, input }) => gateway.charge(idempotencyKey, { orderId: input.orderId, amount, card: input.card }),
 * compensate: ({ idempotencyKey }) => gateway.refund(idempotencyKey),
 */
export class CardGateway {
  #ledger: GatewayLedger | undefined;
  /** Keys whose first reply was already lost (the lost-reply card loses one). */
  readonly #lost = new Set<string>();

  attach(ledger: GatewayLedger): void {
    this.#ledger = ledger;
  }

  /** Charges once per key; a declined card is final (retrying cannot change it). */
  async charge(key: string, order: { orderId: string; amount: number; card: string }): Promise<Payment> {
    if (order.card === CARDS.declined) throw nonRetryable(`card declined for order ${order.orderId}`);
    const payment = await this.#write(async (tx) => {
      const row = await tx.entity('payments').get(key, { lock: true });
      if (row) return tx.entity('payments').update(key, { requests: row.requests + 1 });
      return tx.entity('payments').create({
        id: key,
        orderId: order.orderId,
        amount: order.amount,
        status: 'charged',
        requests: 1,
      });
    });
    if (order.card === CARDS.lostReply && !this.#lost.has(key)) {
      this.#lost.add(key);
      throw new Error(`no reply from the card gateway for order ${order.orderId} (timed out)`);
    }
    return { id: payment.id, amount: payment.amount, requests: payment.requests };
  }

  /** Refunds what the key charged, once; a key that charged nothing refunds nothing. */
  async refund(key: string): Promise<void> {
    await this.#write(async (tx) => {
      const row = await tx.entity('payments').get(key, { lock: true });
      if (row?.status === 'charged') await tx.entity('payments').update(key, { status: 'refunded' });
    });
  }

  /** The ledger's own transaction, retried as a provider retries its own conflicts (never the caller's concern). */
  async #write<R>(fn: (tx: PolystoreTransaction<TransactionClients<typeof payments>>) => Promise<R>): Promise<R> {
    if (!this.#ledger) throw new Error('the card gateway has no ledger: call attach(db) first');
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#ledger.transaction(fn);
      } catch (err) {
        const conflict =
          isPolystoreError(err, 'PS_ERR_TRANSACTION_CONFLICT') || isPolystoreError(err, 'PS_ERR_ALREADY_EXISTS');
        if (!conflict || attempt >= 10) throw err;
      }
    }
  }
}
