import { PolystoreError } from '../errors/index.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';

/**
 * A complete retry policy from partial options, each checked:
 * `maxAttempts` an integer of at least 1 (or Infinity), delays non-negative
 * integers with `baseDelayMs <= maxDelayMs`. `PS_ERR_INVALID_CONFIG` names the
 * option (`<field>.maxAttempts`, ...) and the fix.
 *
 * @example
 * const retry = resolveRetry(options.retry, 'sync.retry'); // { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 2000 }
 */
export function resolveRetry(partial: Partial<RetryPolicy> | undefined, field: string): RetryPolicy {
  if (partial !== undefined && (typeof partial !== 'object' || partial === null)) {
    throw invalidOption(field, 'pass an object such as { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 2000 }');
  }
  const retry = { ...DEFAULT_RETRY_POLICY, ...partial };
  const attempts = retry.maxAttempts;
  if (!(attempts === Number.POSITIVE_INFINITY || (Number.isSafeInteger(attempts) && attempts >= 1))) {
    throw invalidOption(`${field}.maxAttempts`, 'use an integer of at least 1');
  }
  for (const key of ['baseDelayMs', 'maxDelayMs'] as const) {
    const value = retry[key];
    if (!Number.isSafeInteger(value) || value < 0 || value > 3_600_000) {
      throw invalidOption(`${field}.${key}`, 'use an integer number of milliseconds from 0 to 3600000');
    }
  }
  if (retry.baseDelayMs > retry.maxDelayMs) {
    throw invalidOption(`${field}.baseDelayMs`, 'use a value no greater than maxDelayMs');
  }
  return retry;
}

/** `PS_ERR_INVALID_CONFIG` for one option: names it and says how to fix it, never echoes its value. */
export function invalidOption(field: string, fix: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', `The option ${field} is invalid`, { field, fix });
}
