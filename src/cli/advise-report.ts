import type { Advice } from '../advisor/advise.js';
import type { MigrationAdvice } from '../advisor/migration-selector.js';
import { formatContribution } from '../advisor/selection-calculator.js';
import { storeLabel } from '../advisor/store-kinds.js';
import type { EntityPlan, ViewChoice } from '../advisor/store-plan.js';
import type { TcoComparison } from '../advisor/tco.js';

/** `polystore advise` as text: rankings with every rule, views, migration, TCO, warnings, skeleton. */
export function renderAdvice(advice: Advice): string {
  const margin = advice.plan.rules.viewMargin;
  const parts = [
    `Workload: ${advice.workload}`,
    ...advice.plan.entities.map((e) => entity(e, margin)),
    `Stores: ${advice.plan.stores.join(', ')} (${advice.plan.stores.length})`,
  ];
  if (advice.migration) parts.push(migration(advice.migration));
  if (advice.tco) parts.push(tco(advice.tco));
  else parts.push('TCO: pass --prices FILE (see examples/workloads/prices.example.yaml) to compare costs');
  parts.push(
    advice.warnings.length ? ['Warnings:', ...advice.warnings.map((w) => `  ! ${w}`)].join('\n') : 'Warnings: none',
  );
  parts.push(`Configuration skeleton (save as polystore.config.ts):\n\n${advice.skeleton}`);
  return parts.join('\n\n');
}

function entity(e: EntityPlan, margin: number): string {
  const lines = [`${e.entity}: home ${e.home.storage} (${e.home.reason})`, '  ranking:'];
  e.ranking.forEach((r, i) => {
    const rules = r.contributions.map(formatContribution).join('; ');
    lines.push(`    ${i + 1}. ${r.label.padEnd(15)} ${String(r.score).padStart(4)}${rules ? `  = ${rules}` : ''}`);
  });
  const views = [...e.views, ...e.declined];
  if (views.length) {
    lines.push('  views:');
    for (const v of views) lines.push(`    ${v.added ? '+' : '-'} ${view(v, margin)}`);
  }
  for (const note of e.notes) lines.push(`  note: ${note}`);
  return lines.join('\n');
}

function view(v: ViewChoice, margin: number): string {
  const w = (n: number) => (n < 0 ? `(${n})` : String(n));
  const verdict = v.added ? `>= margin ${margin}` : `< margin ${margin}, left out`;
  return `${v.view.padEnd(9)} (${storeLabel(v.store)}): ${v.label} ${v.score} × (${w(v.weight)} - home ${w(v.homeWeight)}) = ${v.divergence} ${verdict}`;
}

function migration(m: MigrationAdvice): string {
  return [
    `Migration: ${m.name}`,
    `  because: ${m.because}`,
    `  with Polystore: ${m.polystore}`,
    `  dump plus restore would take about ${Math.ceil(m.copyMinutes)} min`,
    ...m.passedOver.map((p) => `  passed over ${p.strategy} (applies when ${p.when})`),
  ].join('\n');
}

function tco(t: TcoComparison): string {
  const money = (n: number) => n.toFixed(2);
  const storage = t.polyglot.lines.reduce((s, l) => s + l.storage, 0);
  const compute = t.polyglot.lines.reduce((s, l) => s + l.compute, 0);
  const { line } = t.single;
  return [
    `TCO per month (${t.currency}${t.note ? `; ${t.note}` : ''}):`,
    `  Single DB TCO = Storage + Compute + Ops×1 = ${money(line.storage)} + ${money(line.compute)} + ${money(t.single.ops)} = ${money(t.single.total)}  (${storeLabel(line.kind)}, ${line.volumeGb} GB)`,
    `  Polyglot TCO = Σ(Storage[i] + Compute[i]) + Ops×N×1.5 = ${money(storage)} + ${money(compute)} + ${money(t.polyglot.ops)} = ${money(t.polyglot.total)}  (N = ${t.polyglot.n})`,
    ...t.polyglot.lines.map(
      (l) =>
        `    ${l.store.padEnd(10)} ${storeLabel(l.kind).padEnd(14)} ${String(l.volumeGb).padStart(7)} GB  storage ${money(l.storage)}  compute ${money(l.compute)}`,
    ),
    `  Polyglot minus single: ${t.difference >= 0 ? '+' : ''}${money(t.difference)}`,
  ].join('\n');
}
