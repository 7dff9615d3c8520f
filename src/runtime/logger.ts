import { redactSecrets } from '../errors/index.js';

/** The logging calls Polystore makes (pino-compatible). */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Writes warnings and errors to stderr as one redacted JSON line each. */
export const stderrLogger: Logger = {
  debug() {},
  info() {},
  warn: (fields, message) => write('warn', fields, message),
  error: (fields, message) => write('error', fields, message),
};

function write(level: string, fields: Record<string, unknown>, message: string): void {
  process.stderr.write(
    `${redactSecrets(JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields }))}\n`,
  );
}

/** A secret-free description of an error for logs and dead letters. */
export function describeError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return redactSecrets(`${typeof code === 'string' ? `${code}: ` : ''}${message}`).slice(0, 500);
}
