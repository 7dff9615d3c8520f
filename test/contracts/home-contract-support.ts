import { expect } from 'vitest';
import type { ChangeEvent, NewChangeEvent } from '../../src/contracts/change-event.js';
import type { EntityTableSpec, HomeStore } from '../../src/contracts/home-store.js';
import { comparePositions, type LogPosition } from '../../src/contracts/log-position.js';
import { type ErrorCode, isPolystoreError, type PolystoreError } from '../../src/errors/index.js';
import { uniqueName } from '../support/temp-dir.js';

// Helpers shared by the home contract's suites (home-contract.ts, home-racers.ts, home-ids.ts).

export function relationalSpec(): EntityTableSpec {
  const name = uniqueName('product');
  return {
    entity: name,
    table: name,
    storage: 'relational',
    columns: [
      { name: 'name', type: 'text', nullable: false },
      { name: 'price', type: 'double', nullable: true },
      { name: 'stock', type: 'integer', nullable: true },
      { name: 'active', type: 'boolean', nullable: true },
      { name: 'released', type: 'timestamp', nullable: true },
      { name: 'specs', type: 'json', nullable: true },
    ],
  };
}

export function documentSpec(): EntityTableSpec {
  const name = uniqueName('doc');
  return { entity: name, table: name, storage: 'document', columns: [] };
}

export function change(
  spec: EntityTableSpec,
  key: string,
  version: number,
  payload: object = { id: key },
): NewChangeEvent {
  return { entity: spec.entity, key, version, op: version === 1 ? 'create' : 'update', payload: { ...payload } };
}

/**
 * Waits until the home's outbox head has reached `position`. On a server home an
 * open transaction in another session (a parallel test) holds newer events back
 * until it ends: they are delayed, never lost, so reads that expect them wait.
 */
export async function settledThrough(home: HomeStore, position: LogPosition, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const head = await home.outboxHead();
    if (head !== null && comparePositions(head, position) >= 0) return;
    if (Date.now() > deadline) throw new Error(`outbox head ${head} did not reach ${position} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function eventsOf(home: HomeStore, entity: string): Promise<ChangeEvent[]> {
  const events: ChangeEvent[] = [];
  let page = await home.readOutbox(null, 500);
  while (page.length > 0) {
    events.push(...page.filter((e) => e.entity === entity));
    page = await home.readOutbox(page.at(-1)!.position, 500);
  }
  return events;
}

export function strictlyIncreasing(positions: LogPosition[]): boolean {
  return positions.every((p, i) => i === 0 || positions[i - 1]! < p);
}

export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<PolystoreError> {
  try {
    await promise;
  } catch (err) {
    expect(isPolystoreError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
    return err as PolystoreError;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}
