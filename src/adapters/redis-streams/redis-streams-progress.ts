import { type ConsumerProgress, decodeMark, type MessageMark } from '../../contracts/event-log.js';
import type { LogPosition } from '../../contracts/log-position.js';
import { type RedisStreamsClientLike, redisCall } from './redis-streams-driver.js';

/** Entries before the floor searched for one that carries marks (foreign entries are passed over). */
const MARK_SEARCH = 16;

type Entry = [id: string, fields: unknown[]];

/**
 * A consumer group's progress read from the stream. The floor is the entry
 * before the group's oldest pending one (or its last delivered entry when
 * nothing is pending): every entry up to it is acknowledged. `through` is the
 * `settled` bound that entry carries. A group not created yet has the whole
 * stream as backlog.
 */
export async function redisStreamsProgress(
  client: RedisStreamsClientLike,
  stream: string,
  group: string,
): Promise<ConsumerProgress> {
  return redisCall('read a consumer group’s progress', async () => {
    const head = await markBefore(client, stream, '+');
    const groups = (await client.call('XINFO', ['GROUPS', stream]).catch((err: unknown) => {
      // A stream that does not exist yet has no groups.
      if (err instanceof Error && /no such key/i.test(err.message)) return [];
      throw err;
    })) as unknown[][];
    const info = groups.map(pairs).find((g) => g.name === group);
    if (!info) {
      const length = Number(await client.call('XLEN', [stream]));
      const first = await markAfter(client, stream, '-');
      return {
        through: null,
        head: head?.position ?? null,
        backlog: length,
        pending: 0,
        oldestUnhandledAt: first?.at ?? null,
        updatedAt: null,
      };
    }
    const delivered = String(info['last-delivered-id'] ?? '0-0');
    const [count, oldest] = (await client.call('XPENDING', [stream, group])) as [number, string | null];
    const pending = Number(count);
    const floor = pending > 0 && oldest ? `(${oldest}` : delivered;
    const atFloor = floor === '0-0' ? null : await markBefore(client, stream, floor);
    const next =
      pending > 0 && oldest
        ? await markAfter(client, stream, oldest)
        : await markAfter(client, stream, `(${delivered}`);
    const lag = info.lag;
    return {
      through: atFloor?.settled ?? null,
      head: head?.position ?? null,
      backlog: typeof lag === 'number' ? lag + pending : null,
      pending,
      oldestUnhandledAt: next?.at ?? null,
      updatedAt: null,
    };
  });
}

/** `through` alone: the `settled` bound of the entry at the group's acknowledged floor. */
export async function redisStreamsHandledThrough(
  client: RedisStreamsClientLike,
  stream: string,
  group: string,
): Promise<LogPosition | null> {
  return redisCall('read a consumer group’s progress', async () => {
    const floor = await floorOf(client, stream, group);
    return floor === null ? null : ((await markBefore(client, stream, floor))?.settled ?? null);
  });
}

/** `(oldest-pending` or the last delivered id; null when the group is missing or has delivered nothing. */
async function floorOf(client: RedisStreamsClientLike, stream: string, group: string): Promise<string | null> {
  const groups = (await client.call('XINFO', ['GROUPS', stream]).catch(() => [])) as unknown[][];
  const delivered = groups.map(pairs).find((g) => g.name === group)?.['last-delivered-id'];
  if (typeof delivered !== 'string') return null;
  const [count, oldest] = (await client.call('XPENDING', [stream, group])) as [number, string | null];
  const floor = Number(count) > 0 && oldest ? `(${oldest}` : delivered;
  return floor === '0-0' ? null : floor;
}

/** The newest decodable entry at or before `end` (`(id` for before id). */
async function markBefore(client: RedisStreamsClientLike, stream: string, end: string): Promise<MessageMark | null> {
  const entries = (await client.call('XREVRANGE', [stream, end, '-', 'COUNT', MARK_SEARCH])) as Entry[] | null;
  for (const entry of entries ?? []) {
    const mark = markOf(entry);
    if (mark) return mark;
  }
  return null;
}

/** The first entry at or after `start` (`(id` for after id), if it carries marks. */
async function markAfter(client: RedisStreamsClientLike, stream: string, start: string): Promise<MessageMark | null> {
  const entries = (await client.call('XRANGE', [stream, start, '+', 'COUNT', 1])) as Entry[] | null;
  const entry = entries?.[0];
  return entry ? markOf(entry) : null;
}

function markOf(entry: Entry): MessageMark | null {
  const text = pairs(entry[1]).event;
  return typeof text === 'string' ? decodeMark(text) : null;
}

/** A flat `[name, value, name, value, ...]` reply as an object. */
function pairs(flat: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}
