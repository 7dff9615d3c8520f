import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postgresHome } from '../src/adapters/postgres/index.js';
import { redisStore } from '../src/adapters/redis/index.js';
import { mintApiKey } from '../src/http/api-keys.js';
import { Cleanups, SERVER_URLS, serverNamespace } from './bench-env.js';
import { benchCacheView } from './bench-model.js';
import { closedLoop, interleave } from './harness.js';
import { openCachedDb } from './p4-cache-get.js';
import type { Profile } from './profile.js';
import { type Comparison, compare } from './report.js';

/**
 * P9: `GET /entities/bench_items/:id` through the HTTP API (an API key
 * checked, the Redis cache view hit, the record decoded and serialised)
 * against a bare Fastify route doing the raw ioredis GET of the same key and
 * answering its JSON, in the same process, interleaved, through the same
 * keep-alive HTTP client (node:http) at the same concurrency. Ratio = ours p50 / raw p50.
 */
export async function p9ApiGet(profile: Profile): Promise<Comparison[]> {
  const cleanups = new Cleanups();
  try {
    const { schema, prefix } = serverNamespace(cleanups);
    const { records, getsPerRound, concurrency } = profile.p9;
    const db = await openCachedDb(
      postgresHome({ connectionString: SERVER_URLS.postgres, schema }),
      redisStore({ url: SERVER_URLS.redis, keyPrefix: prefix }),
      records,
      cleanups,
    );
    const key = mintApiKey(['entity:bench_items:read']);
    const ours = await db.serve({ keys: [key.entry] });
    cleanups.add('close the API server', () => ours.close());

    const { Redis } = await import('ioredis');
    const redis = new Redis(SERVER_URLS.redis);
    cleanups.add('close raw redis', () => redis.quit());
    const { default: fastify } = await import('fastify');
    const bare = fastify({ logger: false });
    bare.get('/raw/:id', async (request, reply) => {
      const text = await redis.get(`${prefix}${benchCacheView.scope}:${(request.params as { id: string }).id}`);
      if (text === null) return reply.code(404).send({ error: 'not found' });
      // The entry is `<version>|<json>`: answer the record as an application's handler would.
      return reply.send(JSON.parse(text.slice(text.indexOf('|') + 1)));
    });
    await bare.listen({ port: 0, host: '127.0.0.1' });
    cleanups.add('close the bare server', () => bare.close());
    const rawUrl = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}`;

    // One client for both sides: node:http with keep-alive, a socket per concurrent request (lighter than
    // fetch, so that the client's own cost, paid by both sides alike, hides less of the servers' difference).
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    cleanups.add('close the http client', async () => agent.destroy());
    const headers = { authorization: `Bearer ${key.key}` };
    const get = (url: string) =>
      new Promise<unknown>((resolve, reject) => {
        request(url, { agent, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(JSON.parse(Buffer.concat(chunks).toString()))
              : reject(new Error(`GET answered ${res.statusCode}`)),
          );
          res.on('error', reject);
        })
          .on('error', reject)
          .end();
      });
    const keyAt = (round: number, i: number) => `k${(((round * 7919 + i * 31) % records) + records) % records}`;
    const result = await interleave({
      warmupRounds: profile.warmupRounds,
      rounds: profile.rounds,
      budgetMs: profile.budgetMs,
      ours: (round) =>
        closedLoop(getsPerRound, concurrency, (i) => get(`${ours.url}/entities/bench_items/${keyAt(round, i)}`)),
      raw: (round) => closedLoop(getsPerRound, concurrency, (i) => get(`${rawUrl}/raw/${keyAt(round, i)}`)),
    });
    return [
      compare(
        'P9.redis',
        `HTTP API GET of a Redis-cached record vs a bare Fastify route doing the raw GET, concurrency ${concurrency} (latency)`,
        'latency',
        result,
        { op: '<=', value: 1.3 },
      ),
    ];
  } finally {
    await cleanups.run();
  }
}
