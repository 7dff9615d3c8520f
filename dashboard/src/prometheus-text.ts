/**
 * A tolerant reader of the Prometheus text exposition format (what `/metrics`
 * serves): families with their TYPE and HELP, and samples with labels. Lines
 * it does not understand are skipped, never fatal.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly samples: Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created', '_info'];

export function parsePrometheusText(text: string): MetricFamily[] {
  const families = new Map<string, MetricFamily>();
  const family = (name: string) => {
    let found = families.get(name);
    if (!found) {
      found = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, found);
    }
    return found;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const [, keyword, name, ...rest] = line.split(/\s+/);
      if (!name) continue;
      if (keyword === 'TYPE') Object.assign(family(name), { type: rest[0] ?? 'untyped' });
      else if (keyword === 'HELP') Object.assign(family(name), { help: rest.join(' ') });
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const [, name, labelText, valueText] = match;
    const labels = parseLabels(labelText ?? '');
    const value = Number(valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : valueText);
    if (!labels || (Number.isNaN(value) && valueText !== 'NaN')) continue;
    family(familyOf(name!, families)).samples.push({ name: name!, labels, value });
  }
  return [...families.values()].filter((f) => f.samples.length > 0);
}

function parseLabels(text: string): Record<string, string> | null {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const start = LABEL.lastIndex;
    const match = LABEL.exec(text);
    if (!match) return text.slice(start).trim() === '' ? labels : null;
    labels[match[1]!] = match[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  }
  return labels;
}

/** The family a sample belongs to: its own name when declared, else the name less a histogram or counter suffix. */
function familyOf(name: string, families: ReadonlyMap<string, MetricFamily>): string {
  if (families.has(name)) return name;
  for (const suffix of SUFFIXES) {
    if (name.endsWith(suffix) && families.has(name.slice(0, -suffix.length))) return name.slice(0, -suffix.length);
  }
  return name;
}

/** One histogram series (a label set, `le` aside): its count, sum and a quantile estimate from its buckets. */
export interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly count: number;
  readonly sum: number;
  readonly p99: number | null;
}

/** The series of a histogram family, with the 0.99 quantile estimated by linear interpolation in its bucket (as PromQL's histogram_quantile does). */
export function histogramSeries(family: MetricFamily): HistogramSeries[] {
  const groups = new Map<
    string,
    { labels: Record<string, string>; buckets: [number, number][]; sum: number; count: number }
  >();
  for (const sample of family.samples) {
    const { le, ...labels } = sample.labels;
    const key = JSON.stringify(Object.entries(labels).sort());
    let group = groups.get(key);
    if (!group) {
      group = { labels, buckets: [], sum: 0, count: 0 };
      groups.set(key, group);
    }
    if (sample.name.endsWith('_bucket') && le !== undefined)
      group.buckets.push([Number(le === '+Inf' ? Infinity : le), sample.value]);
    else if (sample.name.endsWith('_sum')) group.sum = sample.value;
    else if (sample.name.endsWith('_count')) group.count = sample.value;
  }
  return [...groups.values()].map(({ labels, buckets, sum, count }) => ({
    labels,
    sum,
    count: count || (buckets.find(([le]) => le === Infinity)?.[1] ?? 0),
    p99: quantile(0.99, buckets),
  }));
}

export function quantile(q: number, buckets: readonly (readonly [number, number])[]): number | null {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, cumulative] of sorted) {
    if (cumulative >= rank) {
      // Past the last finite bound nothing says how far: answer that bound, as PromQL does.
      if (le === Infinity) return lowerBound;
      const inBucket = cumulative - lowerCount;
      return inBucket <= 0 ? le : lowerBound + (le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = le;
    lowerCount = cumulative;
  }
  return lowerBound;
}
