import type { AnyOrama } from '@orama/orama';
import type { SearchIndexSpec } from '../../contracts/search-store.js';

type OramaDriver = typeof import('@orama/orama');

export declare const SNAPSHOT_FORMAT: 2;

/** What the store knows of one key: its version and whether it is a tombstone. */
export interface KeyVersion {
  readonly version: number;
  readonly deleted: boolean;
}

/** One journaled change: key, version, 1 for a tombstone, and the Orama document (null for a tombstone). */
export type JournalEntry = readonly [key: string, version: number, deleted: 0 | 1, document: object | null];

export declare class IndexFileError extends Error {
  constructor(reason: 'corrupt' | 'io', message: string, file: string, cause?: unknown);
  readonly reason: 'corrupt' | 'io';
  readonly file: string;
}

export interface LoadedIndex {
  readonly db: AnyOrama;
  readonly versions: Map<string, KeyVersion>;
  readonly specs: readonly SearchIndexSpec[];
  readonly through: number;
  readonly lastGeneration: number;
  readonly journaled: number;
  readonly stale: readonly number[];
}

export interface IndexFiles {
  readonly directory: string;
  readonly index: string;
  /** The Orama schema (plain data, so it crosses to a worker thread). */
  readonly schema: Record<string, string>;
}

export interface CompactionJob extends IndexFiles {
  readonly spec: SearchIndexSpec;
  readonly upTo: number;
}

export declare function baseFile(directory: string, index: string): string;
export declare function journalFile(directory: string, index: string, generation: number): string;
export declare function listJournals(directory: string, index: string): Promise<number[]>;
export declare function journalHeader(index: string, spec: SearchIndexSpec): string;
export declare function journalLine(entries: readonly JournalEntry[]): string;
export declare function loadIndex(
  orama: OramaDriver,
  files: IndexFiles & { readonly upTo?: number },
): Promise<LoadedIndex>;
export declare function compact(orama: OramaDriver, job: CompactionJob): Promise<void>;
export declare function deleteJournals(directory: string, index: string, upTo: number): Promise<void>;
export declare function writeBase(directory: string, index: string, snapshot: object): Promise<void>;
export declare function syncDirectory(directory: string): Promise<void>;
