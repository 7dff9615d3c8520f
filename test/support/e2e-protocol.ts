/**
 * What the split-deployment test says to its writer and worker processes over
 * Node's IPC channel, and what they answer. One request at a time per
 * process is not required: replies carry the request's id.
 */

/** A failure as it crossed the process boundary: the coded error's code, if it had one. */
export interface WireError {
  readonly code?: string;
  readonly message: string;
}

export interface IpcRequest {
  readonly id: number;
  readonly cmd: string;
  readonly args?: unknown;
}

export type IpcReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/** A record as a read returned it (the `$version` included), or null. */
export type WireRecord = Record<string, unknown> | null;

/** `writes`: creates `count` records `<prefix>-<i>`, updating an earlier one after every second create. */
export interface WritesArgs {
  readonly prefix: string;
  readonly count: number;
  /** Read each write back with `read-your-writes` and time it. */
  readonly readYourWrites: boolean;
  readonly rywTimeoutMs: number;
  /** Stop reading back after this many failed reads (a broken guarantee would otherwise cost a timeout per write). */
  readonly maxRywFailures: number;
}

export interface WritesResult {
  /** Events committed (creates and updates). */
  readonly events: number;
  /** Read-your-writes latencies in ms, of the reads that succeeded. */
  readonly latenciesMs: readonly number[];
  readonly rywFailures: number;
  readonly rywSkipped: number;
  /** First failures and wrong answers, for the report. */
  readonly samples: readonly string[];
  /** Reads that returned another version or other content than the write. */
  readonly mismatches: number;
}

/** `get`: eventual reads (cache-aside) of these ids. */
export interface GetArgs {
  readonly ids: readonly string[];
}

export interface GetResult {
  readonly results: readonly {
    readonly id: string;
    readonly record?: WireRecord;
    readonly error?: WireError;
    /** How long the read took, answer or error. */
    readonly ms: number;
  }[];
}

/** `background`: a paced stream of creates, updates, deletes and re-creates until `stopBackground`. */
export interface BackgroundArgs {
  readonly prefix: string;
  readonly perSecond: number;
}

export interface BackgroundResult {
  readonly events: number;
  readonly errors: number;
  readonly samples: readonly string[];
}

export interface CatchUpResult {
  readonly ok: boolean;
  readonly tookMs: number;
  readonly error?: WireError;
}

/** A worker's in-process view counters (what it applied, whatever it has made durable). */
export interface WorkerStatsResult {
  readonly views: readonly { readonly view: string; readonly applied: number; readonly skipped: number }[];
}

/** A worker's embedded search view: every key's version (tombstones too) and every live document. */
export interface SearchDump {
  readonly view: string;
  readonly versions: readonly { readonly key: string; readonly version: number; readonly deleted: boolean }[];
  readonly documents: readonly { readonly id: string; readonly document: Record<string, unknown> }[];
}

export function toWireError(err: unknown): WireError {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' ? { code, message } : { message };
}
