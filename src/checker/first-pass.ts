import type { HomeStore, StoredRow } from '../contracts/home-store.js';
import type { IdSample } from './content-check.js';
import { digestWalk, type FirstPass, viewDigests } from './digest-walk.js';
import { walkHome } from './home-walk.js';
import { walkByKey } from './key-walk.js';
import { type CheckedView, listedEntries, readsByKey } from './view-entries.js';

export type { FirstPass } from './digest-walk.js';

export interface FirstPassOptions {
  /** Home records per keyset chunk of a walk. */
  readonly chunkSize: number;
  /** Deep mode over every record: each home row is handed to `compare`. */
  readonly compare: ((rows: readonly StoredRow[]) => Promise<void>) | null;
  /** A deep sample to fill with ids drawn at random. */
  readonly sample: IdSample | null;
  /** List the view whole even where digests could be compared. */
  readonly scan: boolean;
}

/**
 * Finds the ids that look drifted, by digests where both sides keep them
 * (digest-walk.ts) and otherwise by walking the home against the whole view
 * (home-walk.ts), saying which and, for a walk, why.
 */
export async function firstPass(
  home: HomeStore,
  target: CheckedView,
  options: FirstPassOptions,
): Promise<FirstPass & { readonly method: 'digest' | 'scan' | 'by-key' }> {
  const { view, store, entity } = target;
  let reason = unfitForDigests(home, target, options);
  if (reason === null) {
    const digests = await viewDigests(target);
    const pass = digests && (await digestWalk(home as DigestHome, target, digests, options.sample));
    if (pass) return { ...pass, method: 'digest' };
    reason = digests
      ? 'more than 1/16 of its buckets differ from the home'
      : `its ${store.driver} store holds no digests of the view that it knows to be right`;
  }
  const { chunkSize: limit, compare, sample } = options;
  if (!store.listVersions && readsByKey(store)) {
    const walk = await walkByKey(home, target, { chunkSize: limit, compare, visit: (ids) => sampleIds(sample, ids) });
    return { ...walk, method: 'by-key' };
  }
  const held = new Map((await listedEntries(store, view.scope)).map((entry) => [entry.key, entry]));
  const walk = compare
    ? await walkHome((after) => home.scanRows(entity.table, { after, limit }), held, view.completeness, compare)
    : await walkHome(
        (after) => home.scanVersions(entity.table, { after, limit }),
        held,
        view.completeness,
        sample
          ? async (chunk) => {
              for (const { id } of chunk) sample.add(id);
            }
          : undefined,
      );
  return { ...walk, listedBecause: reason, method: 'scan' };
}

type DigestHome = HomeStore & Required<Pick<HomeStore, 'bucketDigests' | 'bucketMembers'>>;

/** Why the view cannot be checked by digests, or null when it can. */
function unfitForDigests(home: HomeStore, { view, store }: CheckedView, options: FirstPassOptions): string | null {
  if (options.scan) return 'the check was asked to list views (scan)';
  if (options.compare) return 'deep mode compares every record';
  if (view.completeness !== 'complete') return 'it is a partial view: its entries expire, unseen by digests';
  if (!store.bucketDigests) return `its ${store.driver} store keeps no bucket digests`;
  if (!home.bucketDigests || !home.bucketMembers) return `the ${home.driver} home computes no bucket digests`;
  return null;
}

function sampleIds(sample: IdSample | null, ids: readonly string[]): void {
  for (const id of ids) sample?.add(id);
}
