import type { FastifyReply, FastifyRequest } from 'fastify';
import { isPolystoreError } from '../errors/index.js';
import type { Polystore } from '../polystore.js';
import type { AnyEntity, AnyKeyspace } from '../polystore-config.js';
import type { Logger } from '../runtime/logger.js';
import type { AccessControl, Principal } from './access-control.js';
import type { AuditLog } from './audit-log.js';

// biome-ignore lint/suspicious/noExplicitAny: the HTTP API serves any model
export type AnyPolystore = Polystore<any, any>;

/** What every route module is given. */
export interface HttpContext {
  readonly db: AnyPolystore;
  readonly access: AccessControl;
  readonly audit: AuditLog;
  readonly logger: Logger;
  readonly entities: ReadonlyMap<string, AnyEntity>;
  readonly keyspaces: ReadonlyMap<string, AnyKeyspace>;
}

const PRINCIPALS = new WeakMap<FastifyRequest, Principal>();

export function setPrincipal(request: FastifyRequest, principal: Principal): void {
  PRINCIPALS.set(request, principal);
}

/** The request's principal (set by the authentication hook). */
export function principalOf(request: FastifyRequest): Principal {
  const principal = PRINCIPALS.get(request);
  // Set by the onRequest hook on every routed request; absent only if a route skipped it.
  if (!principal) throw new Error('request reached a route without authentication');
  return principal;
}

/** The request's principal after it holds `scope` (a coded 403 otherwise). */
export function allow(ctx: HttpContext, request: FastifyRequest, scope: string): Principal {
  const principal = principalOf(request);
  ctx.access.require(principal, scope);
  return principal;
}

/**
 * Runs an admin action that changes something and records it in the audit
 * log (who, what, on what, how it ended) whether it succeeds or fails.
 */
export async function audited<R>(
  ctx: HttpContext,
  request: FastifyRequest,
  scope: string,
  target: string | null,
  run: () => Promise<R>,
): Promise<R> {
  const action = `${request.method} ${request.routeOptions.url ?? request.url}`;
  let principal: Principal;
  try {
    principal = allow(ctx, request, scope);
  } catch (err) {
    ctx.audit.record({
      who: PRINCIPALS.get(request)?.id ?? 'unknown',
      action,
      target,
      outcome: 'refused',
      code: codeOf(err),
    });
    throw err;
  }
  try {
    const result = await run();
    ctx.audit.record({ who: principal.id, action, target, outcome: 'ok', code: null });
    return result;
  } catch (err) {
    const status = isPolystoreError(err) ? err.status : 500;
    const outcome = status < 500 ? 'refused' : 'failed';
    ctx.audit.record({ who: principal.id, action, target, outcome, code: codeOf(err) });
    throw err;
  }
}

function codeOf(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

/** Sends a JSON body with a status. */
export function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}
