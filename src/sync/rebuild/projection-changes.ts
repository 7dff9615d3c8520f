import { createHash, randomUUID } from 'node:crypto';
import type { HomeStore } from '../../contracts/home-store.js';
import { describeError, type Logger } from '../../runtime/logger.js';
import type { ViewDef } from '../../views/view-def.js';

/** Lease of the process rebuilding a view whose projection changed; renewed while it runs. */
const LEASE_MS = 60_000;

/**
 * What the home records of each view's projection (`view-shape/<view>`): the
 * fingerprint of the shape its stored content has, the fingerprints it had
 * before (never rebuilt back to), and the process rebuilding it to `target`.
 */
interface ShapeRecord {
  readonly fingerprint: string;
  /** The declared shape the fingerprint hashes (`ViewDef.shape`). */
  readonly shape?: unknown;
  readonly replaced: readonly string[];
  readonly target?: string;
  readonly owner?: string;
  readonly leaseUntil?: number;
}

/** A stable hash of a view's declared shape (`ViewDef.shape`) with its kind, entity and scope. */
export function shapeFingerprint(view: ViewDef<unknown>): string {
  const described = JSON.stringify({ kind: view.kind, entity: view.entity, scope: view.scope, shape: view.shape });
  return createHash('sha256').update(described).digest('hex').slice(0, 16);
}

function shapeKey(view: string): string {
  return `view-shape/${view}`;
}

/**
 * Keeps each view's stored content in the shape its declaration says. At
 * start (in a process that runs projectors) it compares every view's shape
 * fingerprint with the one recorded in the home: none recorded, it records
 * it; a new one (a search field or analytics column added, a graph label, a
 * raised `version`), it claims the view by compare-and-set with a lease and
 * rebuilds it: key-value and search views beside themselves (reads stay on
 * the old generation until the new one is complete), then records the new
 * fingerprint. A process whose declaration is one the view had before (an
 * older deployment still running) never rebuilds it back. Graph and
 * analytics views cannot be rebuilt beside themselves: the change is
 * recorded and a warning names the fix.
 */
export class ProjectionChanges {
  readonly #owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly #running = new Set<Promise<void>>();
  #stopped = false;

  constructor(
    private readonly home: HomeStore,
    private readonly views: readonly ViewDef<unknown>[],
    private readonly rebuild: (view: string) => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  /** Checks every view once; rebuilds of changed views run in the background until done or `stop()`. */
  async start(): Promise<void> {
    this.#stopped = false;
    for (const view of this.views) {
      const fingerprint = shapeFingerprint(view);
      const stored = await this.home.readState(shapeKey(view.name));
      const record = stored?.value as ShapeRecord | undefined;
      if (!record) {
        await this.home.writeState(
          shapeKey(view.name),
          { fingerprint, shape: view.shape, replaced: [] } satisfies ShapeRecord,
          null,
        );
        continue;
      }
      if (record.fingerprint === fingerprint || record.replaced.includes(fingerprint)) {
        if (record.fingerprint !== fingerprint)
          this.logger.warn(
            { view: view.name },
            'this process declares a projection the view had before; not rebuilding it back',
          );
        continue;
      }
      const busy = record.owner !== undefined && (record.leaseUntil ?? 0) > Date.now() && record.owner !== this.#owner;
      if (busy) continue;
      const claimed: ShapeRecord = {
        ...record,
        target: fingerprint,
        owner: this.#owner,
        leaseUntil: Date.now() + LEASE_MS,
      };
      const revision = await this.home.writeState(shapeKey(view.name), claimed, stored!.revision);
      if (revision === null) continue;
      if (view.kind !== 'cache' && view.kind !== 'search') {
        this.logger.warn(
          { view: view.name, kind: view.kind },
          "the view's projection changed; graph and analytics views are not rebuilt beside themselves: entries keep their old shape until their records change (drop the view's data and run `polystore backfill VIEW` to refill it now)",
        );
        await this.#record(view, record);
        continue;
      }
      this.logger.info({ view: view.name }, "the view's projection changed: rebuilding it beside itself");
      const run = this.#rebuild(view, record).finally(() => this.#running.delete(run));
      this.#running.add(run);
    }
  }

  /** Lets the rebuilds in flight end (each resumes from its cursor when a process starts again). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.allSettled([...this.#running]);
  }

  /** Resolves when every rebuild started here has ended. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#running]);
  }

  async #rebuild(view: ViewDef<unknown>, record: ShapeRecord): Promise<void> {
    const renew = setInterval(() => {
      void this.#renew(view.name).catch(() => undefined);
    }, LEASE_MS / 4);
    renew.unref();
    try {
      await this.rebuild(view.name);
      await this.#record(view, record);
      this.logger.info({ view: view.name }, 'rebuilt the view in its new projection');
    } catch (err) {
      if (!this.#stopped)
        this.logger.warn({ view: view.name, error: describeError(err) }, 'rebuilding a changed view failed');
      await this.#release(view.name);
    } finally {
      clearInterval(renew);
    }
  }

  /** Records `view`'s declared shape as the one its content has. */
  async #record(view: ViewDef<unknown>, before: ShapeRecord): Promise<void> {
    const next: ShapeRecord = {
      fingerprint: shapeFingerprint(view),
      shape: view.shape,
      replaced: [...before.replaced, before.fingerprint].slice(-20),
    };
    for (;;) {
      const stored = await this.home.readState(shapeKey(view.name));
      if ((await this.home.writeState(shapeKey(view.name), next, stored?.revision ?? null)) !== null) return;
    }
  }

  async #renew(view: string): Promise<void> {
    const stored = await this.home.readState(shapeKey(view));
    const record = stored?.value as ShapeRecord | undefined;
    if (!stored || record?.owner !== this.#owner) return;
    await this.home.writeState(shapeKey(view), { ...record, leaseUntil: Date.now() + LEASE_MS }, stored.revision);
  }

  async #release(view: string): Promise<void> {
    const stored = await this.home.readState(shapeKey(view));
    const record = stored?.value as ShapeRecord | undefined;
    if (!stored || !record || record.owner !== this.#owner) return;
    const { owner: _o, leaseUntil: _l, target: _t, ...rest } = record;
    await this.home.writeState(shapeKey(view), rest, stored.revision);
  }
}

/**
 * The shape recorded for `view` when it differs from the declared one (the
 * view's content still has the recorded shape until a rebuild replaces it);
 * null when they match or nothing is recorded.
 */
export async function recordedShape(home: HomeStore, view: ViewDef<unknown>): Promise<unknown | null> {
  const record = (await home.readState(shapeKey(view.name)))?.value as ShapeRecord | undefined;
  if (!record || record.shape === undefined || record.fingerprint === shapeFingerprint(view)) return null;
  return record.shape;
}
