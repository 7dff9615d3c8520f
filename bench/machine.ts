import { cpus, release, totalmem, type } from 'node:os';
import { redactSecrets } from '../src/errors/index.js';
import { SERVER_URLS, type ServerKind } from './bench-env.js';

/** Where the numbers came from: hardware, runtime and the servers' versions. */
export interface Machine {
  readonly cpus: { readonly model: string; readonly count: number };
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
  readonly servers: Partial<Record<ServerKind, { readonly url: string; readonly version: string }>>;
}

export async function describeMachine(reachable: ReadonlySet<ServerKind>): Promise<Machine> {
  const cores = cpus();
  const servers: Machine['servers'] = {};
  const probes: Record<ServerKind, () => Promise<string>> = {
    postgres: postgresVersion,
    mysql: mariadbVersion,
    redis: redisVersion,
    nats: natsVersion,
  };
  for (const kind of reachable) {
    const version = await probes[kind]().catch((err: unknown) => `unknown (${String(err).slice(0, 80)})`);
    servers[kind] = { url: redactSecrets(SERVER_URLS[kind]), version };
  }
  return {
    cpus: { model: cores[0]?.model.trim() ?? 'unknown', count: cores.length },
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${type()} ${release()} (${process.platform}/${process.arch})`,
    servers,
  };
}

async function postgresVersion(): Promise<string> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: SERVER_URLS.postgres });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string }>('SELECT version() AS version');
    return rows[0]?.version ?? 'unknown';
  } finally {
    await client.end();
  }
}

async function redisVersion(): Promise<string> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(SERVER_URLS.redis);
  try {
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    await redis.quit();
  }
}

async function natsVersion(): Promise<string> {
  const nats = await import('nats');
  const nc = await nats.connect({ servers: SERVER_URLS.nats });
  try {
    return nc.info?.version ?? 'unknown';
  } finally {
    await nc.close();
  }
}

async function mariadbVersion(): Promise<string> {
  const { createConnection } = await import('mysql2/promise');
  const connection = await createConnection({ uri: SERVER_URLS.mysql });
  try {
    const [rows] = await connection.query('SELECT VERSION() AS version');
    return (rows as { version?: string }[])[0]?.version ?? 'unknown';
  } finally {
    await connection.end();
  }
}
