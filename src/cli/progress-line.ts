/** One step of a long operation, as a progress display shows it. */
export interface ProgressStep {
  readonly label: string;
  readonly done: number;
  /** Best known total (an estimate: rows counted at the start). */
  readonly total: number;
  /** Milliseconds since the operation started. */
  readonly elapsedMs: number;
}

/**
 * Shows progress three ways: a bar redrawn in place on a terminal, a plain
 * line at most every `plainEveryMs` when stdout is a file or a pipe, and one
 * JSON object per line with `--json` (at the same pace).
 */
export class ProgressLine {
  #lastPlain = Number.NEGATIVE_INFINITY;
  #drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly json: boolean,
    private readonly plainEveryMs = 1000,
  ) {}

  update(step: ProgressStep, final = false): void {
    const rate = step.elapsedMs > 0 ? (step.done * 1000) / step.elapsedMs : 0;
    const left = Math.max(0, step.total - step.done);
    const etaMs = rate > 0 && !final && left > 0 ? (left / rate) * 1000 : null;
    const percent = step.total > 0 ? Math.min(100, Math.floor((step.done / step.total) * 100)) : final ? 100 : 0;
    if (this.json || !this.out.isTTY) {
      const now = Date.now();
      if (!final && now - this.#lastPlain < this.plainEveryMs) return;
      this.#lastPlain = now;
      const fields = {
        ...step,
        percent,
        recordsPerSec: Math.round(rate),
        etaMs: etaMs === null ? null : Math.round(etaMs),
      };
      this.out.write(
        this.json
          ? `${JSON.stringify({ progress: fields })}\n`
          : `${step.label}: ${step.done}/${step.total} (${percent}%) ${Math.round(rate)} records/s${etaMs === null ? '' : ` ETA ${seconds(etaMs)}`}\n`,
      );
      return;
    }
    const width = 30;
    const filled = Math.round((percent / 100) * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    const eta = etaMs === null ? '' : ` ETA ${seconds(etaMs)}`;
    this.out.write(
      `\r${step.label} [${bar}] ${percent}% ${step.done}/${step.total} ${Math.round(rate)}/s${eta}\u001b[K`,
    );
    this.#drawn = true;
    if (final) this.end();
  }

  /** Ends a bar drawn in place with a newline. */
  end(): void {
    if (this.#drawn) this.out.write('\n');
    this.#drawn = false;
  }
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
