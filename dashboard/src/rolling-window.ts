import type { StatusResponse } from './contract.js';

/** One view's lag samples: times in seconds (uPlot's x axis) and p50/p99 in ms (null: not measured). */
export interface LagSeries {
  readonly t: number[];
  readonly p50: (number | null)[];
  readonly p99: (number | null)[];
}

/**
 * The lag of each view over the last `windowSeconds`, built client-side from
 * successive `/admin/status` polls (the server keeps no history).
 */
export class RollingWindow {
  readonly #series = new Map<string, LagSeries>();

  constructor(readonly windowSeconds = 300) {}

  add(status: StatusResponse): void {
    const t = Date.parse(status.at) / 1000;
    for (const view of status.views) {
      let series = this.#series.get(view.view);
      if (!series) {
        series = { t: [], p50: [], p99: [] };
        this.#series.set(view.view, series);
      }
      // A poll answered out of order would fold the x axis back.
      if (series.t.length > 0 && t <= series.t.at(-1)!) continue;
      series.t.push(t);
      series.p50.push(view.lagMs.p50);
      series.p99.push(view.lagMs.p99);
      let drop = 0;
      while (drop < series.t.length && series.t[drop]! < t - this.windowSeconds) drop++;
      if (drop > 0) {
        series.t.splice(0, drop);
        series.p50.splice(0, drop);
        series.p99.splice(0, drop);
      }
    }
  }

  series(view: string): LagSeries | undefined {
    return this.#series.get(view);
  }
}
