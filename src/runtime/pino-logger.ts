import { redactSecrets } from '../errors/index.js';
import { importDriver } from './import-driver.js';
import type { Logger } from './logger.js';

/** The part of a pino logger Polystore calls, declared structurally so no pino version is tied to the types. */
export interface PinoLike {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Where lines go: a writable stream (a file, a test's buffer); default standard output. */
export interface PinoDestination {
  write(line: string): unknown;
}

export interface PinoLoggerOptions {
  /** pino's level (default `info`). */
  readonly level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /** Where the JSON lines go (default standard output). */
  readonly destination?: PinoDestination;
  /** Fields on every line, e.g. `{ service: 'orders-worker' }`. */
  readonly base?: Readonly<Record<string, string>>;
  /** A pino logger of your own to write through instead (its options stay yours; fields are still redacted). */
  readonly pino?: PinoLike;
}

/** Field names whose values are secrets wherever they appear. */
const SECRET_KEY =
  /^(password|passwd|pwd|secret|token|api[-_]?key|authorization|proxy-authorization|cookie|set-cookie)$/i;
/** `Authorization: Bearer …` and `Basic …` credentials inside text. */
const AUTH_SCHEME = /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const REDACTED = '[redacted]';
/** Deeper than this, a value is summarised instead of walked. */
const MAX_DEPTH = 8;

/**
 * A {@link Logger} that writes structured JSON lines through pino (an optional
 * package), with secrets removed from every field and message: passwords in
 * connection strings, `password=`/`token=`/`apikey=` pairs, `Bearer` and
 * `Basic` credentials, and the values of fields named like secrets
 * (`password`, `apiKey`, `authorization`, `cookie`, ...), at any depth.
 * Errors are written as `{ type, message, code, stack }`, redacted too.
 *
 * @example
 * import { createPolystore, pinoLogger } from 'polystore';
 * const db = createPolystore({ ...config, logger: await pinoLogger({ level: 'info', base: { service: 'worker' } }) });
 */
export async function pinoLogger(options: PinoLoggerOptions = {}): Promise<Logger> {
  const target = options.pino ?? (await createPino(options));
  return {
    debug: (fields, message) => target.debug(redactFields(fields), redactText(message)),
    info: (fields, message) => target.info(redactFields(fields), redactText(message)),
    warn: (fields, message) => target.warn(redactFields(fields), redactText(message)),
    error: (fields, message) => target.error(redactFields(fields), redactText(message)),
  };
}

async function createPino(options: PinoLoggerOptions): Promise<PinoLike> {
  const { pino } = await importDriver('pino', () => import('pino'));
  const settings = {
    level: options.level ?? 'info',
    ...(options.base ? { base: { ...options.base } } : {}),
    // A second guard for fields a caller logs through pino directly.
    redact: { paths: ['*.password', '*.authorization', 'headers.authorization', '*.apiKey'], censor: REDACTED },
  };
  const logger = options.destination ? pino(settings, options.destination as never) : pino(settings);
  return logger as unknown as PinoLike;
}

/** Text without credentials. */
export function redactText(text: string): string {
  return redactSecrets(text).replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`);
}

/** A copy of log fields with every secret removed (see {@link pinoLogger}). */
export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  return redactValue(fields, 0) as Record<string, unknown>;
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[nested]';
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return {
      type: value.name,
      message: redactText(value.message),
      ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
      ...(value.stack ? { stack: redactText(value.stack) } : {}),
      ...(value.cause !== undefined ? { cause: redactValue(value.cause, depth + 1) } : {}),
    };
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? REDACTED : redactValue(item, depth + 1);
  }
  return out;
}
