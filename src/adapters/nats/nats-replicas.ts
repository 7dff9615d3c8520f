import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  REPLICA_HEARTBEAT_MS,
  type ReplicaReply,
  type ReplicaTransport,
  type ViewReplicas,
} from '../../contracts/replica-transport.js';
import { PolystoreError } from '../../errors/index.js';
import { RuntimeGuard } from '../../runtime/runtime-guard.js';
import { connectNats, type NatsConnectionLike, type NatsSubscriptionLike, natsError } from './nats-driver.js';

export interface NatsReplicasOptions {
  /** NATS server URL(s), comma-separated (plain NATS: replicas need no JetStream). */
  readonly servers?: string;
  /** A connection to use instead of opening one from `servers`; `close()` leaves it open. */
  readonly connection?: NatsConnectionLike;
  /**
   * This process's replica name, when it projects embedded views: each replica
   * keeps its own copy of them, under durable consumers of its own. Default:
   * `POLYSTORE_REPLICA`, else the host name. Two live processes may not share one.
   */
  readonly replica?: string;
  /** Subject prefix shared by every process of one deployment (default `polystore`). */
  readonly namespace?: string;
}

const NAME = /^[A-Za-z0-9_]{1,40}$/;
const NAMESPACE = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Serves the embedded views (Orama, Kuzu, DuckDB) of worker processes to
 * every process of the deployment over NATS: each worker is a replica that
 * projects its own copy and answers queries sent to a queue group of its
 * store; writers and web tiers query through it with the same API.
 *
 * @example
 * import { natsReplicas } from 'polystore/nats';
 * const db = createPolystore({
 *   ...model,
 *   log: jetstreamLog({ servers, stream: 'shop' }),
 *   replicas: natsReplicas({ servers, replica: process.env.POLYSTORE_REPLICA }),
 * });
 */
export function natsReplicas(options: NatsReplicasOptions): ViewReplicas {
  if (options.connection === undefined && (typeof options.servers !== 'string' || options.servers.trim() === '')) {
    throw invalid(
      'natsReplicas needs `servers` (or a `connection`)',
      'servers',
      "pass { servers: 'nats://127.0.0.1:4222' }",
    );
  }
  const namespace = options.namespace ?? 'polystore';
  if (!NAMESPACE.test(namespace))
    throw invalid(
      `The replicas namespace "${String(namespace).slice(0, 64)}" is not valid`,
      'namespace',
      'use letters, digits, `_` and `-`',
    );
  const replica = options.replica ?? process.env.POLYSTORE_REPLICA ?? defaultReplica();
  if (!NAME.test(replica))
    throw invalid(
      `The replica name "${String(replica).slice(0, 64)}" is not valid`,
      'replica',
      'use 1 to 40 letters, digits and underscores (set `replica` or POLYSTORE_REPLICA)',
    );
  return { transport: natsTransport(options), replica, namespace };
}

/** The host name as a replica name: letters, digits and underscores. */
function defaultReplica(): string {
  const name = hostname()
    .replace(/[^A-Za-z0-9_]/g, '_')
    .slice(0, 40);
  return name === '' ? 'replica' : name;
}

function natsTransport(options: NatsReplicasOptions): ReplicaTransport {
  const guard = new RuntimeGuard<NatsConnectionLike>(
    'nats',
    async () => options.connection ?? connectNats(options.servers!),
    async (nc) => {
      if (!options.connection) await nc.close();
    },
  );
  const TEXT_ENCODER = new TextEncoder();
  const EMPTY = new Uint8Array(0);
  return {
    driver: 'nats',
    ready: async () => {
      await guard.client();
    },
    serve: async (subject, group, handler) => {
      const nc = await guard.client();
      const limit = nc.info?.max_payload ?? 1024 * 1024;
      const subscription: NatsSubscriptionLike = nc.subscribe(subject, {
        queue: group,
        callback: (err, msg) => {
          if (err || !msg.reply) return;
          const reply = msg.reply;
          const say = (data: Uint8Array) => {
            try {
              nc.publish(reply, data);
            } catch {
              // The connection closed meanwhile: the caller hears nothing more and asks another replica.
            }
          };
          // Taken: the caller now waits for as long as this replica keeps saying so.
          say(EMPTY);
          const beat = setInterval(() => say(EMPTY), REPLICA_HEARTBEAT_MS);
          void handler(msg.data).then(
            (data) => {
              clearInterval(beat);
              say(data.byteLength <= limit ? data : TEXT_ENCODER.encode(tooLarge(data.byteLength, limit)));
            },
            (err: unknown) => {
              clearInterval(beat);
              say(TEXT_ENCODER.encode(failed(err)));
            },
          );
        },
      });
      await nc.flush?.();
      return async () => {
        subscription.unsubscribe();
        await nc.flush?.().catch(() => undefined);
      };
    },
    request: async (subject, payload, wait): Promise<ReplicaReply> => {
      const nc = await guard.client();
      const inbox = `_INBOX.${randomUUID().replaceAll('-', '')}`;
      return new Promise<ReplicaReply>((resolve, reject) => {
        let silent: NodeJS.Timeout | undefined;
        const finish = (reply: ReplicaReply) => {
          clearTimeout(silent);
          clearTimeout(total);
          subscription.unsubscribe();
          resolve(reply);
        };
        const listen = (ms = wait.silentMs) => {
          clearTimeout(silent);
          const due = Date.now() + ms;
          silent = setTimeout(() => {
            // Fired late: this process's event loop was held, and heartbeats may wait unread on
            // the socket. Read them first; silence is judged only on time this process could listen.
            if (Date.now() - due > STALL_MS) listen(STALL_MS);
            else finish({ kind: 'silent' });
          }, ms);
        };
        const subscription = nc.subscribe(inbox, {
          callback: (err, msg) => {
            if (err) return finish({ kind: 'silent' });
            // The server's status reply: nobody subscribes to the subject.
            if (msg.headers?.code === 503) return finish({ kind: 'no-responders' });
            if (msg.data.byteLength === 0) return listen();
            finish({ kind: 'reply', data: msg.data });
          },
        });
        const total = setTimeout(() => finish({ kind: 'timeout' }), Math.max(1, Math.round(wait.timeoutMs)));
        try {
          nc.publish(subject, payload, { reply: inbox });
        } catch (err) {
          clearTimeout(total);
          subscription.unsubscribe();
          reject(
            natsError(err, 'send a query', 'check that nats-server is running and reachable', 'The NATS replicas'),
          );
          return;
        }
        listen();
      });
    },
    close: () => guard.close(),
  };
}

/** A silence timer this late fired after the event loop was held (see `request`). */
const STALL_MS = 250;

/** The reply for an answer that could not be made (a coded error, as replies carry them). */
function failed(err: unknown): string {
  return JSON.stringify({
    error: { code: 'PS_ERR_INTERNAL', message: `The replica could not answer: ${String(err).slice(0, 200)}` },
  });
}

/** The reply sent instead of one over the server's payload limit (a coded error, as replies carry them). */
function tooLarge(bytes: number, limit: number): string {
  return JSON.stringify({
    error: {
      code: 'PS_ERR_PAYLOAD_TOO_LARGE',
      message: `The query's answer is ${bytes} bytes, over the NATS server's max_payload of ${limit}`,
      fix: 'return fewer rows (LIMIT, a narrower filter), or raise max_payload in nats-server',
    },
  });
}

function invalid(message: string, field: string, fix: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', message, { field: `replicas.${field}`, fix });
}
