import { Socket } from 'node:net';

/** Servers the suites can use, chosen by the same env vars as the product, defaulting to localhost. */
export const SERVER_URLS = {
  postgres: process.env.POLYSTORE_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test',
  mysql: process.env.POLYSTORE_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
  redis: process.env.POLYSTORE_REDIS_URL ?? 'redis://127.0.0.1:6379',
  nats: process.env.POLYSTORE_NATS_URL ?? 'nats://127.0.0.1:4222',
} as const;

export type ServerKind = keyof typeof SERVER_URLS;

const DEFAULT_PORTS: Record<ServerKind, number> = { postgres: 5432, mysql: 3306, redis: 6379, nats: 4222 };

/** True when a TCP connection to `host:port` opens within `timeoutMs`. */
export function tcpReachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/** True when a TCP connection to the server's host and port opens within `timeoutMs`. */
export function serverReachable(kind: ServerKind, timeoutMs = 1500): Promise<boolean> {
  const url = new URL(SERVER_URLS[kind]);
  return tcpReachable(url.hostname, Number(url.port) || DEFAULT_PORTS[kind], timeoutMs);
}
