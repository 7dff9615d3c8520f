import type { EntityTableSpec, HomeStore, HomeTransaction } from '../../src/contracts/home-store.js';
import { comparePositions, type LogPosition } from '../../src/contracts/log-position.js';
import { isPolystoreError, PolystoreError } from '../../src/errors/index.js';
import { settledThrough } from './home-contract-support.js';

// The writes the home contract's racers run against a home, and the ledger that
// checks, after each round of concurrent writes, that the versions of every id
// stayed a single increasing sequence in the home, its tombstones and its outbox.

/** One write, run as one home transaction that also appends its outbox event(s). */
export type RaceWrite =
  /** insert + appendOutbox, or insertWithEvent where the home has it and `fused` is set. */
  | { readonly kind: 'create'; readonly id: string; readonly fused: boolean }
  /** insertMany + appendOutboxMany of several ids at once, or insertManyWithEvents where the home has it and `fused` is set. */
  | { readonly kind: 'createMany'; readonly ids: readonly string[]; readonly fused: boolean }
  /** What EntityClient.update does: read with a row lock, update at the version read. */
  | { readonly kind: 'lockedUpdate'; readonly id: string }
  /** An update at a version the caller believes current, without a lock. */
  | { readonly kind: 'update'; readonly id: string; readonly expected: number }
  | { readonly kind: 'delete'; readonly id: string; readonly expected?: number };

interface Ack {
  readonly id: string;
  readonly op: 'create' | 'update' | 'delete';
  readonly version: number;
}

type Outcome =
  | { readonly write: RaceWrite; readonly acks: readonly Ack[]; readonly position: LogPosition }
  | { readonly write: RaceWrite; readonly error: unknown };

/**
 * Holds up to `size` transactions at their start (after BEGIN, before their
 * first statement) and lets them go together, so their statements overlap as
 * much as the home allows. It opens after `maxWaitMs` at the latest: it only
 * raises contention, no result depends on it.
 */
export class StartLine {
  #arrived = 0;
  #release!: () => void;
  readonly #open = new Promise<void>((resolve) => (this.#release = resolve));
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly size: number,
    private readonly maxWaitMs = 3_000,
  ) {}

  arrive(): Promise<void> {
    this.#arrived += 1;
    if (this.#arrived === 1) this.#timer = setTimeout(() => this.#opened(), this.maxWaitMs);
    if (this.#arrived >= this.size) this.#opened();
    return this.#open;
  }

  #opened(): void {
    clearTimeout(this.#timer);
    this.#release();
  }
}

let payloads = 0;

/** Runs `write` in one transaction; a rejection becomes the outcome, never a thrown error. */
export async function runWrite(
  home: HomeStore,
  spec: EntityTableSpec,
  write: RaceWrite,
  line?: StartLine,
): Promise<Outcome> {
  try {
    return await home.transaction(async (tx) => {
      await line?.arrive();
      const { acks, position } = await perform(tx, spec, write);
      return { write, acks, position };
    });
  } catch (error) {
    return { write, error };
  }
}

async function perform(
  tx: HomeTransaction,
  spec: EntityTableSpec,
  write: RaceWrite,
): Promise<{ acks: Ack[]; position: LogPosition }> {
  const data = { title: `w${++payloads}` };
  const event = (id: string, op: Ack['op'], version: number) => ({
    entity: spec.entity,
    key: id,
    version,
    op,
    payload: op === 'delete' ? null : { id, ...data },
  });
  switch (write.kind) {
    case 'create': {
      if (write.fused && tx.insertWithEvent) {
        const { version, position } = await tx.insertWithEvent(spec, write.id, data, { id: write.id, ...data });
        return { acks: [{ id: write.id, op: 'create', version }], position };
      }
      const version = await tx.insert(spec, write.id, data);
      const position = await tx.appendOutbox(event(write.id, 'create', version));
      return { acks: [{ id: write.id, op: 'create', version }], position };
    }
    case 'createMany': {
      if (write.fused && tx.insertManyWithEvents) {
        const rows = write.ids.map((id) => ({ id, data }));
        const { versions, position } = await tx.insertManyWithEvents(
          spec,
          rows,
          write.ids.map((id) => ({ id, ...data })),
        );
        return { acks: write.ids.map((id, i): Ack => ({ id, op: 'create', version: versions[i]! })), position };
      }
      const versions = await tx.insertMany!(
        spec,
        write.ids.map((id) => ({ id, data })),
      );
      const acks = write.ids.map((id, i): Ack => ({ id, op: 'create', version: versions[i]! }));
      const position = await tx.appendOutboxMany!(acks.map((a) => event(a.id, a.op, a.version)));
      return { acks, position: position! };
    }
    case 'lockedUpdate': {
      const row = await tx.get(spec, write.id, { lock: true });
      if (row === null) throw new PolystoreError('PS_ERR_NOT_FOUND', 'The locked read found no row');
      const version = await tx.update(spec, write.id, data, row.version);
      return {
        acks: [{ id: write.id, op: 'update', version }],
        position: await tx.appendOutbox(event(write.id, 'update', version)),
      };
    }
    case 'update': {
      const version = await tx.update(spec, write.id, data, write.expected);
      return {
        acks: [{ id: write.id, op: 'update', version }],
        position: await tx.appendOutbox(event(write.id, 'update', version)),
      };
    }
    case 'delete': {
      const version = await tx.delete(spec, write.id, write.expected);
      return {
        acks: [{ id: write.id, op: 'delete', version }],
        position: await tx.appendOutbox(event(write.id, 'delete', version)),
      };
    }
  }
}

interface IdHistory {
  /** The largest version ever acknowledged for the id (row or tombstone). */
  used: number;
  /** Whether the newest acknowledged write left a live row. */
  live: boolean;
  /** Every version at which a row of the id was live. */
  readonly liveVersions: Set<number>;
  /** The outbox events expected for the id, as `op@version`. */
  readonly events: string[];
}

/**
 * What the racers' writes acknowledged, per id, and the checks of a round:
 * acknowledged versions distinct and above every version used before; the
 * home's row or tombstone at the largest one (never both); one outbox event
 * per acknowledged write; losers failing only with the codes a caller can act
 * on, a conflict naming a version the row really had.
 */
export class RaceLedger {
  readonly #ids = new Map<string, IdHistory>();
  #last: LogPosition | null = null;
  /** The outbox as read so far: `op@version` per key, and the position read up to. */
  readonly #outbox = new Map<string, string[]>();
  #cursor: LogPosition | null = null;

  constructor(
    private readonly home: HomeStore,
    private readonly spec: EntityTableSpec,
  ) {}

  /** The newest version at which the id's row was live (or undefined if it never was). */
  lastLiveVersion(id: string): number | undefined {
    const history = this.#ids.get(id);
    return history && history.liveVersions.size > 0 ? Math.max(...history.liveVersions) : undefined;
  }

  /** Runs writes one after another (a setup), failing on any error. */
  async serial(writes: readonly RaceWrite[]): Promise<void> {
    for (const write of writes) {
      const outcome = await runWrite(this.home, this.spec, write);
      if ('error' in outcome) throw outcome.error;
      const problems = await this.settle([outcome]);
      if (problems.length > 0) throw new Error(`setup broke the ledger: ${problems.join('; ')}`);
    }
  }

  /** Runs `writes` concurrently (lined up when `lineUp` > 1) and returns what the round broke. */
  async race(writes: readonly RaceWrite[], lineUp: number): Promise<string[]> {
    const line = lineUp > 1 ? new StartLine(Math.min(lineUp, writes.length)) : undefined;
    const outcomes = await Promise.all(writes.map((write) => runWrite(this.home, this.spec, write, line)));
    return this.settle(outcomes);
  }

  async settle(outcomes: readonly Outcome[]): Promise<string[]> {
    const problems: string[] = [];
    const acked = new Map<string, Ack[]>();
    for (const outcome of outcomes) {
      if ('acks' in outcome) {
        for (const ack of outcome.acks) acked.set(ack.id, [...(acked.get(ack.id) ?? []), ack]);
        if (this.#last === null || comparePositions(outcome.position, this.#last) > 0) this.#last = outcome.position;
      }
    }
    // Versions first (conflicts below may name a version acknowledged in this same round).
    for (const [id, acks] of acked) {
      const history = this.#history(id);
      const versions = acks.map((a) => a.version);
      if (new Set(versions).size !== versions.length) problems.push(`${id}: versions repeat: ${versions.join(',')}`);
      const stale = versions.filter((v) => !(v > history.used));
      if (stale.length > 0) problems.push(`${id}: versions ${stale.join(',')} not above ${history.used}, used before`);
      const newest = acks.reduce((a, b) => (b.version > a.version ? b : a));
      history.used = Math.max(history.used, newest.version);
      history.live = newest.op !== 'delete';
      for (const ack of acks) {
        if (ack.op !== 'delete') history.liveVersions.add(ack.version);
        history.events.push(`${ack.op}@${ack.version}`);
      }
    }
    for (const outcome of outcomes) {
      if ('error' in outcome) problems.push(...this.#checkLoser(outcome.write, outcome.error));
    }
    const touched = new Set(outcomes.flatMap((o) => ('ids' in o.write ? o.write.ids : [o.write.id])));
    problems.push(...(await this.#checkHome(touched)));
    return problems;
  }

  #checkLoser(write: RaceWrite, error: unknown): string[] {
    const what = `${write.kind} ${'ids' in write ? write.ids.join('+') : write.id}`;
    if (!isPolystoreError(error)) return [`${what}: failed with ${String(error)}`];
    const expectedVersion = 'expected' in write ? write.expected : undefined;
    const allowed: Record<RaceWrite['kind'], string[]> = {
      // A batch locks many ids at once, so a batch and a single create of one of its ids may deadlock (MariaDB)
      // and either may be the victim; the home then wrote nothing of it (checked below), and EntityClient runs
      // it again.
      create: ['PS_ERR_ALREADY_EXISTS', 'PS_ERR_TRANSACTION_CONFLICT'],
      createMany: ['PS_ERR_ALREADY_EXISTS', 'PS_ERR_TRANSACTION_CONFLICT'],
      lockedUpdate: ['PS_ERR_NOT_FOUND'],
      update: ['PS_ERR_NOT_FOUND', 'PS_ERR_VERSION_CONFLICT'],
      delete: expectedVersion === undefined ? ['PS_ERR_NOT_FOUND'] : ['PS_ERR_NOT_FOUND', 'PS_ERR_VERSION_CONFLICT'],
    };
    if (!allowed[write.kind].includes(error.code)) return [`${what}: failed with ${error.code}: ${error.message}`];
    if (error.code !== 'PS_ERR_VERSION_CONFLICT') return [];
    const current = error.details?.currentVersion;
    const history = this.#ids.get((write as { id: string }).id);
    if (
      typeof current !== 'number' ||
      expectedVersion === undefined ||
      !(current > expectedVersion) ||
      !history?.liveVersions.has(current)
    ) {
      return [
        `${what}: conflict at expected ${expectedVersion} names version ${String(current)}, which the row never had after it`,
      ];
    }
    return [];
  }

  async #checkHome(ids: ReadonlySet<string>): Promise<string[]> {
    const problems: string[] = [];
    const tombstones = new Map((await this.home.listTombstones(this.spec)).map((t) => [t.id, t.version]));
    const rows = new Map((await this.home.getMany(this.spec, [...ids])).map((r) => [r.id, r.version]));
    for (const id of ids) {
      const history = this.#history(id);
      const [row, tombstone] = [rows.get(id), tombstones.get(id)];
      const actual = `row ${row ?? 'none'}, tombstone ${tombstone ?? 'none'}`;
      const expected =
        history.used === 0
          ? 'row none, tombstone none'
          : history.live
            ? `row ${history.used}, tombstone none`
            : `row none, tombstone ${history.used}`;
      if (actual !== expected) problems.push(`${id}: home holds ${actual}, expected ${expected}`);
    }
    await this.#readOutbox();
    for (const id of ids) {
      const actual = [...(this.#outbox.get(id) ?? [])].sort();
      const expected = [...this.#history(id).events].sort();
      if (actual.join(' ') !== expected.join(' ')) {
        problems.push(`${id}: outbox holds [${actual.join(' ')}], acknowledged [${expected.join(' ')}]`);
      }
    }
    return problems;
  }

  /**
   * Reads the outbox events appended since the last check into `#outbox`. Every
   * write of the round has ended, so once the head reaches the newest position
   * acknowledged, no event can still appear before it.
   */
  async #readOutbox(): Promise<void> {
    if (this.#last === null) return;
    await settledThrough(this.home, this.#last);
    for (let page = await this.home.readOutbox(this.#cursor, 500); page.length > 0; ) {
      for (const event of page) {
        if (event.entity !== this.spec.entity) continue;
        this.#outbox.set(event.key, [...(this.#outbox.get(event.key) ?? []), `${event.op}@${event.version}`]);
      }
      this.#cursor = page.at(-1)!.position;
      page = await this.home.readOutbox(this.#cursor, 500);
    }
  }

  #history(id: string): IdHistory {
    let history = this.#ids.get(id);
    if (!history) {
      history = { used: 0, live: false, liveVersions: new Set(), events: [] };
      this.#ids.set(id, history);
    }
    return history;
  }
}
