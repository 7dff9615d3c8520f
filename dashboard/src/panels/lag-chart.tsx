import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { LAG_COLOURS } from '../chart-colours.js';
import type { LagSeries } from '../rolling-window.js';

const WIDTH = 460;
const HEIGHT = 180;

/** One view's commit-to-apply lag, p50 and p99, over the rolling window. */
export function LagChart({ view, series, version }: { view: string; series: LagSeries | undefined; version: number }) {
  const target = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    if (!target.current) return;
    plot.current = new uPlot(
      {
        width: WIDTH,
        height: HEIGHT,
        legend: { show: true, live: false },
        cursor: { show: false },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
        axes: [{}, { label: 'ms', size: 56 }],
        series: [
          {},
          { label: 'p50', stroke: LAG_COLOURS.p50, width: 2, spanGaps: false },
          { label: 'p99', stroke: LAG_COLOURS.p99, width: 2, spanGaps: false },
        ],
      },
      [[], [], []],
      target.current,
    );
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);
  useEffect(() => {
    if (plot.current && series) plot.current.setData([series.t, series.p50, series.p99]);
  }, [series, version]);
  const last = series?.p99.at(-1);
  return (
    <figure class="chart" data-testid={`lag-chart-${view}`}>
      <figcaption>
        {view} <span class="muted">{last === null || last === undefined ? 'lag not measured here' : ''}</span>
      </figcaption>
      <div ref={target} class="chart-canvas" />
    </figure>
  );
}
