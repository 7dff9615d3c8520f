import { createHash } from 'node:crypto';
import type { ArchivedEvent } from '../../contracts/archive-store.js';

/** A batch of lines bound for one object. */
export interface ArchiveObject {
  readonly key: string;
  readonly body: string;
}

/** `dt=YYYY-MM-DD/hh=HH` of an epoch-millisecond time, in UTC. */
export function hourPartition(at: number): string {
  const iso = new Date(at).toISOString();
  return `dt=${iso.slice(0, 10)}/hh=${iso.slice(11, 13)}`;
}

/** The newest time a partition can hold (its hour's last millisecond), or null for a name that is not one. */
export function partitionEnd(partition: string): number | null {
  const match = /^dt=(\d{4}-\d{2}-\d{2})\/hh=(\d{2})$/.exec(partition);
  if (!match) return null;
  return Date.parse(`${match[1]}T${match[2]}:00:00.000Z`) + 3_600_000 - 1;
}

/** Where a scope's objects live: `<prefix>/<scope>/`. */
export function scopePrefix(prefix: string, scope: string): string {
  return prefix === '' ? `${scope}/` : `${prefix}/${scope}/`;
}

/** Positions hold `:`, which some S3 tools and file systems mangle; `.` keeps their order. */
function positionPart(position: string): string {
  return position.replaceAll(':', '.');
}

function line(event: ArchivedEvent): string {
  const { eventId, entity, key, op, version, position, committedAt, record } = event;
  return JSON.stringify({ eventId, entity, key, op, version, position, committedAt, record });
}

/**
 * Splits a batch into objects, one per hour of commit. An object of events is
 * named by the first and last positions it holds, and one of snapshots by a
 * hash of its lines: a re-delivered batch writes the same keys with the same
 * content, so a retry overwrites instead of duplicating.
 */
export function archiveObjects(prefix: string, scope: string, events: readonly ArchivedEvent[]): ArchiveObject[] {
  const groups = new Map<string, ArchivedEvent[]>();
  for (const event of events) {
    const group = `${hourPartition(event.committedAt)}|${event.position === null ? 'snapshot' : 'events'}`;
    const members = groups.get(group);
    if (members) members.push(event);
    else groups.set(group, [event]);
  }
  const base = scopePrefix(prefix, scope);
  return [...groups].map(([group, members]) => {
    const [partition] = group.split('|') as [string];
    const ordered = [...members].sort(byPosition);
    const body = `${ordered.map(line).join('\n')}\n`;
    const first = ordered[0]!.position;
    const name =
      first === null
        ? `snapshot-${createHash('sha256').update(body).digest('hex').slice(0, 32)}`
        : `${positionPart(first)}-${positionPart(ordered.at(-1)!.position!)}`;
    return { key: `${base}${partition}/${name}.ndjson`, body };
  });
}

function byPosition(a: ArchivedEvent, b: ArchivedEvent): number {
  const pa = a.position ?? '';
  const pb = b.position ?? '';
  return pa < pb ? -1 : pa > pb ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : a.version - b.version;
}

/** The lines of an object's body. */
export function parseArchiveObject(body: string): ArchivedEvent[] {
  const out: ArchivedEvent[] = [];
  for (const text of body.split('\n')) if (text !== '') out.push(JSON.parse(text) as ArchivedEvent);
  return out;
}

/**
 * One line per event id (a batch re-delivered with other boundaries, or a
 * snapshot of a version that has its event, appears twice), ordered by key
 * then version. An event line wins over a snapshot of the same version.
 */
export function uniqueEvents(lines: Iterable<ArchivedEvent>): ArchivedEvent[] {
  const byId = new Map<string, ArchivedEvent>();
  for (const event of lines) {
    const seen = byId.get(event.eventId);
    if (!seen || (seen.position === null && event.position !== null)) byId.set(event.eventId, event);
  }
  return [...byId.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.version - b.version));
}
