import { PolystoreError } from '../errors/index.js';
import type { InferOutput, StandardSchemaV1 } from '../model/standard-schema.js';
import type { AnyEntity, TransactionClients } from '../polystore-config.js';
import type { PolystoreTransaction } from '../router/transaction-client.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../runtime/retry-policy.js';

/** What every step receives. */
export interface SagaStepContext<I> {
  readonly sagaId: string;
  readonly input: I;
  /** The recorded results of the forward steps done so far, by step name. */
  readonly results: Readonly<Record<string, unknown>>;
  /**
   * `<sagaId>:<step name>`, the same on every attempt and in the step's
   * compensation: a participant that keeps the effect of each key once (a
   * payment provider's idempotency key) turns at-least-once into once.
   */
  readonly idempotencyKey: string;
  /** 1 on the first attempt of this run or compensation. */
  readonly attempt: number;
  /** Aborted when the step times out or the worker loses the saga's lease. */
  readonly signal: AbortSignal;
}

/** A home step's context: `tx` writes entities in the transaction that also records the step. */
export interface HomeStepContext<I, E extends AnyEntity> extends SagaStepContext<I> {
  readonly tx: PolystoreTransaction<TransactionClients<E>>;
}

/** A compensation's context: the forward result when it was recorded (undefined when the step's outcome is unknown). */
export type Compensating<C> = C & { readonly result: unknown };

interface StepOptions {
  readonly name: string;
  /** Per attempt (default 30 000 ms). */
  readonly timeoutMs?: number;
  /** Forward attempts and backoff (default 3 attempts, 20 ms doubling); compensations use `compensationRetry`. */
  readonly retry?: Partial<RetryPolicy>;
  /** Compensation attempts before the saga is `stuck` (default 5 attempts, 20 ms doubling, 2 s cap). */
  readonly compensationRetry?: Partial<RetryPolicy>;
  /** The point of no return: no compensation needed; once done, the earlier steps are never undone. */
  readonly pivot?: boolean;
}

/**
 * A step whose writes go to the home: they commit, with their outbox events,
 * in the transaction that records the step (exactly once).
 */
export interface HomeStep<I, E extends AnyEntity> extends StepOptions {
  readonly kind: 'home';
  run(ctx: HomeStepContext<I, E>): Promise<unknown>;
  compensate?(ctx: Compensating<HomeStepContext<I, E>>): Promise<void>;
}

/** A step calling another system: at least once, with a stable `idempotencyKey`; its result is recorded after it returns. */
export interface ExternalStep<I> extends StepOptions {
  readonly kind: 'external';
  run(ctx: SagaStepContext<I>): Promise<unknown>;
  compensate?(ctx: Compensating<SagaStepContext<I>>): Promise<void>;
}

export type SagaStep<I, E extends AnyEntity> = HomeStep<I, E> | ExternalStep<I>;

export interface SagaOptions<Name extends string, S extends StandardSchemaV1, E extends AnyEntity> {
  readonly name: Name;
  /** Recorded with each saga: a worker runs only the sagas of the versions it has. */
  readonly version: number;
  /** Validates `start(input)`. */
  readonly input: S;
  /** Only to type `ctx.tx.entity(name)` in home steps; the Polystore's config declares the entities. */
  readonly entities?: readonly E[];
  readonly steps: readonly SagaStep<InferOutput<S>, E>[];
}

/** A resolved step: every option filled in. */
export interface ResolvedStep {
  readonly name: string;
  readonly kind: 'home' | 'external';
  readonly run: (ctx: never) => Promise<unknown>;
  readonly compensate: ((ctx: never) => Promise<void>) | undefined;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly compensationRetry: RetryPolicy;
  readonly pivot: boolean;
}

export interface SagaDef<Name extends string = string, I = unknown> {
  readonly name: Name;
  readonly version: number;
  readonly input: StandardSchemaV1<unknown, I>;
  readonly steps: readonly ResolvedStep[];
}

export const DEFAULT_STEP_TIMEOUT_MS = 30_000;
const DEFAULT_FORWARD_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 2000 };
const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/**
 * Declares a durable saga: steps run in order, each recorded in the home;
 * when one fails after its retries, the steps before it are compensated in
 * reverse order. Checked here, with `PS_ERR_SAGA_DEFINITION`.
 *
 * @example
 * const order = defineSaga({
 *   name: 'order', version: 1, input: z.object({ orderId: z.string(), sku: z.string(), qty: z.number() }),
 *   entities: [stock, orders],
 *   steps: [
 *     { kind: 'home', name: 'reserve',
 *       run: async ({ tx, input }) => { const s = await tx.entity('stock').get(input.sku, { lock: true });
 *         await tx.entity('stock').update(input.sku, { qty: s!.qty - input.qty }, { expectedVersion: s!.$version }); },
 *       compensate: async ({ tx, input }) => { const s = await tx.entity('stock').get(input.sku, { lock: true });
 *         await tx.entity('stock').update(input.sku, { qty: s!.qty + input.qty }); } },
 *     { kind: 'external', name: 'charge', run: ({ idempotencyKey, input }) => payments.charge(input, idempotencyKey),
 *       compensate: ({ idempotencyKey }) => payments.refund(idempotencyKey) },
 *     { kind: 'home', name: 'confirm', run: ({ tx, input }) => tx.entity('orders').create({ id: input.orderId, status: 'paid' }) },
 *   ],
 * });
 */
export function defineSaga<const Name extends string, S extends StandardSchemaV1, E extends AnyEntity = never>(
  options: SagaOptions<Name, S, E>,
): SagaDef<Name, InferOutput<S>> {
  const what = `saga ${String(options.name).slice(0, 64)}`;
  if (typeof options.name !== 'string' || !NAME.test(options.name))
    throw invalid(what, 'its name must be 1-64 letters, digits, _ . - starting with a letter', 'name');
  if (!Number.isSafeInteger(options.version) || options.version < 1)
    throw invalid(what, 'its version must be a positive integer', 'version');
  if (typeof options.input?.['~standard']?.validate !== 'function')
    throw invalid(what, 'its input must be a Standard Schema (zod, valibot, arktype ...)', 'input');
  if (!Array.isArray(options.steps) || options.steps.length === 0) throw invalid(what, 'it has no steps', 'steps');
  const seen = new Set<string>();
  const steps = options.steps.map((step, index) => {
    const at = `step ${index} of ${what}`;
    if (typeof step?.name !== 'string' || !NAME.test(step.name))
      throw invalid(at, 'its name must be 1-64 letters, digits, _ . - starting with a letter', 'name');
    if (seen.has(step.name)) throw invalid(at, `the name ${step.name} is used twice`, 'name');
    seen.add(step.name);
    if (step.kind !== 'home' && step.kind !== 'external')
      throw invalid(at, "its kind must be 'home' or 'external'", 'kind');
    if (typeof step.run !== 'function') throw invalid(at, 'it has no run function', 'run');
    const last = index === options.steps.length - 1;
    if (step.compensate === undefined && !last && step.pivot !== true)
      throw invalid(at, 'only the last step and pivot steps may omit compensate', 'compensate');
    if (step.compensate !== undefined && typeof step.compensate !== 'function')
      throw invalid(at, 'compensate must be a function', 'compensate');
    const timeoutMs = step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1)
      throw invalid(at, 'timeoutMs must be a positive whole number of ms', 'timeoutMs');
    return {
      name: step.name,
      kind: step.kind,
      run: step.run as ResolvedStep['run'],
      compensate: step.compensate as ResolvedStep['compensate'],
      timeoutMs,
      retry: retryOf(at, 'retry', step.retry, DEFAULT_FORWARD_RETRY),
      compensationRetry: retryOf(at, 'compensationRetry', step.compensationRetry, DEFAULT_RETRY_POLICY),
      pivot: step.pivot === true,
    };
  });
  return Object.freeze({
    name: options.name,
    version: options.version,
    input: options.input as StandardSchemaV1<unknown, InferOutput<S>>,
    steps: Object.freeze(steps),
  });
}

function retryOf(at: string, field: string, given: Partial<RetryPolicy> | undefined, base: RetryPolicy): RetryPolicy {
  const policy = { ...base, ...given };
  const whole = (n: number, min: number) => Number.isSafeInteger(n) && n >= min;
  if (!whole(policy.maxAttempts, 1) || !whole(policy.baseDelayMs, 0) || !whole(policy.maxDelayMs, policy.baseDelayMs))
    throw invalid(at, `${field} needs maxAttempts >= 1 and 0 <= baseDelayMs <= maxDelayMs (whole ms)`, field);
  return policy;
}

function invalid(what: string, problem: string, field: string): PolystoreError {
  return new PolystoreError('PS_ERR_SAGA_DEFINITION', `The ${what} is invalid: ${problem}`, {
    field,
    fix: 'fix the defineSaga call',
  });
}
