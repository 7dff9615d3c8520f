import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { SearchIndexSpec } from '../../contracts/search-store.js';
import { PolystoreError, wrapStoreError } from '../../errors/index.js';
import { describeError, type Logger } from '../../runtime/logger.js';
import {
  type CompactionJob,
  compact,
  deleteJournals,
  IndexFileError,
  type JournalEntry,
  journalFile,
  journalHeader,
  journalLine,
  type LoadedIndex,
  loadIndex,
  syncDirectory,
} from './orama-journal.mjs';

type OramaDriver = typeof import('@orama/orama');

export interface JournalSettings {
  readonly directory: string;
  readonly index: string;
  readonly spec: SearchIndexSpec;
  readonly schema: Record<string, string>;
  /** Journaled entries before a compaction is considered (it also waits for half the index size). */
  readonly compactAfter: number;
  readonly logger: Logger;
}

/**
 * The durable side of one index: each flush appends the batch of changed keys
 * to the current journal and syncs it (cost proportional to the change, not
 * to the index); once the journals hold more than `compactAfter` entries and
 * half the index, a worker thread folds them into a new base snapshot while
 * flushes go on in a new journal. Without worker threads the compaction runs
 * in this thread.
 */
export class IndexJournal {
  #generation: number;
  #handle: FileHandle | undefined;
  #journaled: number;
  #compaction: { readonly done: Promise<void>; worker?: Worker } | undefined;
  #backoff = 1;
  #closed = false;

  private constructor(
    private readonly settings: JournalSettings,
    private readonly orama: OramaDriver,
    loaded: Pick<LoadedIndex, 'lastGeneration' | 'journaled'>,
  ) {
    this.#generation = loaded.lastGeneration;
    this.#journaled = loaded.journaled;
  }

  /** Loads the index from its files and returns it with the journal that continues it. */
  static async open(
    orama: OramaDriver,
    settings: JournalSettings,
    sameSpec: (found: SearchIndexSpec) => boolean,
  ): Promise<{ loaded: LoadedIndex; journal: IndexJournal }> {
    const { directory, index, schema } = settings;
    let loaded: LoadedIndex;
    try {
      loaded = await loadIndex(orama, { directory, index, schema });
    } catch (err) {
      throw fileError(err, index, 'could not be loaded');
    }
    if (!loaded.specs.every(sameSpec)) {
      throw new PolystoreError(
        'PS_ERR_INVALID_CONFIG',
        `The search index "${index}" has a snapshot written with another spec`,
        {
          field: 'spec',
          fix: `keep the spec stable, or delete ${index}.json and ${index}.*.journal in the snapshot directory and replay the projector to rebuild`,
        },
      );
    }
    // Journals already folded into the base (a crash came between the two steps).
    if (loaded.stale.length > 0) await deleteJournals(directory, index, loaded.through).catch(() => undefined);
    return { loaded, journal: new IndexJournal(settings, orama, loaded) };
  }

  /**
   * Appends one batch and syncs it. A failed append closes the journal (its
   * tail may be torn) and the next one starts a new generation; the caller
   * keeps the batch to append again.
   */
  async append(entries: readonly JournalEntry[], indexSize: number): Promise<void> {
    if (entries.length === 0) return;
    try {
      let text = journalLine(entries);
      if (!this.#handle) {
        this.#generation++;
        this.#handle = await open(journalFile(this.settings.directory, this.settings.index, this.#generation), 'a');
        text = journalHeader(this.settings.index, this.settings.spec) + text;
        await syncDirectory(this.settings.directory);
      }
      await this.#handle.write(text);
      await this.#handle.datasync();
    } catch (err) {
      await this.#closeHandle();
      throw wrapStoreError(
        err,
        'PS_ERR_STORE_UNAVAILABLE',
        `The orama store could not journal a batch of the index "${this.settings.index}"`,
        { fix: 'check free space and write access to the snapshot directory; flush() can be retried' },
      );
    }
    this.#journaled += entries.length;
    if (this.#journaled >= Math.max(this.settings.compactAfter, indexSize / 2) * this.#backoff) this.#compact();
  }

  /** Stops a running compaction (its files stay consistent: the base is replaced atomically) and closes the journal. */
  async close(): Promise<void> {
    this.#closed = true;
    const compaction = this.#compaction;
    await compaction?.worker?.terminate();
    await compaction?.done;
    await this.#closeHandle();
  }

  #compact(): void {
    if (this.#compaction || this.#closed) return;
    const { directory, index, schema, spec } = this.settings;
    const job: CompactionJob = { directory, index, schema, spec, upTo: this.#generation };
    const folded = this.#journaled;
    // New appends go to the next generation, so the worker reads only closed files.
    const rotated = this.#closeHandle();
    const compaction: { done: Promise<void>; worker?: Worker } = { done: Promise.resolve() };
    compaction.done = rotated
      .then(() => this.#runCompaction(job, compaction))
      .then(
        async () => {
          await deleteJournals(directory, index, job.upTo);
          this.#journaled -= folded;
          this.#backoff = 1;
        },
        (err: unknown) => {
          if (this.#closed) return;
          this.#backoff *= 2;
          this.settings.logger.warn(
            { index, error: describeError(err), nextAttemptAfterEntries: Math.round(this.#journaled * 2) },
            'orama: compacting the search index journals failed; flushes go on and loading replays the journals',
          );
        },
      )
      .finally(() => {
        this.#compaction = undefined;
      });
    this.#compaction = compaction;
  }

  async #runCompaction(job: CompactionJob, compaction: { worker?: Worker }): Promise<void> {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./orama-compaction-worker.mjs', import.meta.url), { workerData: job });
    } catch {
      // No worker threads here (a bundle without the worker file, a restricted runtime): compact in this thread.
      return compact(this.orama, job);
    }
    compaction.worker = worker;
    const outcome = await new Promise<{ ok: boolean; reason?: string; message?: string; cause?: string }>((resolve) => {
      worker.once('message', resolve);
      worker.once('error', (err) => resolve({ ok: false, reason: 'worker', message: err.message }));
      worker.once('exit', (code) => resolve({ ok: false, reason: 'worker', message: `worker exited with ${code}` }));
    });
    await worker.terminate();
    if (outcome.ok) return;
    if (outcome.reason === 'worker' && !this.#closed) return compact(this.orama, job);
    throw new IndexFileError(
      outcome.reason === 'corrupt' ? 'corrupt' : 'io',
      `${outcome.message ?? 'compaction failed'}${outcome.cause ? ` (${outcome.cause})` : ''}`,
      job.directory,
    );
  }

  async #closeHandle(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => undefined);
  }
}

function fileError(err: unknown, index: string, what: string): PolystoreError {
  if (err instanceof IndexFileError && err.reason === 'corrupt') {
    return new PolystoreError(
      'PS_ERR_STORE_UNAVAILABLE',
      `The snapshot of the search index "${index}" ${what}: ${err.message}`,
      {
        fix: `delete ${index}.json and ${index}.*.journal in the snapshot directory and replay the projector to rebuild the index`,
        cause: err,
      },
    );
  }
  return wrapStoreError(err, 'PS_ERR_STORE_UNAVAILABLE', `The snapshot of the search index "${index}" ${what}`, {
    fix: 'check that the snapshot directory is readable',
  });
}
