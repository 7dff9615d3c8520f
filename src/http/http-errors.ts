import { type ErrorCode, isPolystoreError, PolystoreError } from '../errors/index.js';
import { describeError, type Logger } from '../runtime/logger.js';

/** The JSON body of every error response. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string; readonly fix?: string };
}

/** Fastify's own errors that a client caused, with the code and message we answer instead (theirs may quote input). */
const FASTIFY_ERRORS: Readonly<Record<string, { code: ErrorCode; message: string; fix: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'PS_ERR_PAYLOAD_TOO_LARGE',
    message: 'The request body is larger than the server accepts',
    fix: 'send less in one request, or raise the server bodyLimitBytes',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'PS_ERR_INVALID_ARGUMENT',
    message: 'The request body is not JSON',
    fix: 'send content-type: application/json',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'PS_ERR_INVALID_ARGUMENT',
    message: 'The request body is empty',
    fix: 'send a JSON object',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'PS_ERR_INVALID_ARGUMENT',
    message: 'The content-length header does not match the body',
    fix: 'send the body length in content-length',
  },
};

/**
 * The status and body of an error: a Polystore error with its catalogue
 * status and its own message (secret-free by construction); a known client
 * error of the HTTP layer as its coded equivalent; anything else a bare
 * `PS_ERR_INTERNAL` 500, its details logged, never sent.
 */
export function errorResponse(err: unknown, logger: Logger): { status: number; body: ErrorBody } {
  const fastifyCode = (err as { code?: unknown } | null)?.code;
  if (typeof fastifyCode === 'string' && fastifyCode in FASTIFY_ERRORS) {
    const known = FASTIFY_ERRORS[fastifyCode]!;
    return toResponse(new PolystoreError(known.code, known.message, { fix: known.fix, cause: err }));
  }
  if (err instanceof SyntaxError || fastifyCode === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return toResponse(
      new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'The request body is not valid JSON', {
        fix: 'send a JSON object',
        cause: err,
      }),
    );
  }
  if (isPolystoreError(err)) {
    if (err.status >= 500) logger.error({ code: err.code, error: describeError(err) }, 'http request failed');
    return toResponse(err);
  }
  logger.error({ error: describeError(err) }, 'http request failed unexpectedly');
  return toResponse(
    new PolystoreError('PS_ERR_INTERNAL', 'The server failed to answer this request', {
      fix: 'see the server log for the cause',
      cause: err,
    }),
  );
}

function toResponse(err: PolystoreError): { status: number; body: ErrorBody } {
  // The message of a PolystoreError ends with its fix ("... . Fix: ..."): the body carries the fix apart.
  const suffix = err.fix ? `. Fix: ${err.fix}` : '';
  const message = suffix && err.message.endsWith(suffix) ? err.message.slice(0, -suffix.length) : err.message;
  return {
    status: err.status,
    body: {
      error: {
        code: err.code,
        message,
        ...(err.field ? { field: err.field } : {}),
        ...(err.fix ? { fix: err.fix } : {}),
      },
    },
  };
}

/** A coded 400 about one request parameter (its value is never quoted). */
export function badParameter(field: string, message: string, fix: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', message, { field, fix });
}

/**
 * A name in a request's path or body that the model does not declare: an
 * entity or keyspace (404), a view or store (400). The name itself is not
 * quoted; the known ones are listed.
 */
export function unknownName(kind: 'entity' | 'keyspace' | 'view' | 'store', known: Iterable<string>): PolystoreError {
  const list = [...known].join(', ') || '(none)';
  const code = kind === 'entity' || kind === 'keyspace' ? 'PS_ERR_UNKNOWN_ENTITY' : 'PS_ERR_INVALID_ARGUMENT';
  return new PolystoreError(code, `No ${kind} of this model has this name`, { field: kind, fix: `use one of ${list}` });
}
