import { type CpuShare, describeCpu } from './cpu-window.js';
import { meets, type ScaleOutRatio, type ScaleOutRun, type Target } from './report.js';
import { median, round3 } from './stats.js';

/** A machine this busy (share of every core) counts as CPU-bound. */
const SATURATED = 0.9;
/** Other work on the machine this large (cores) took a share worth naming from the run measured. */
const DISTURBED = 0.2;

/**
 * `of`'s rate over `over`'s, with what the CPU measured during `of` names as
 * the limit: every core busy (and who used it), or one process at a core,
 * or no CPU saturated.
 */
export function scaleOutRatio(
  id: string,
  title: string,
  of: ScaleOutRun,
  over: ScaleOutRun,
  target: Target | null,
): ScaleOutRatio {
  const value = of.rate / over.rate;
  const cpuCeiling = over.cpuPerOpMs === null ? null : round3(over.cpu.cores / ((over.cpuPerOpMs * over.rate) / 1000));
  const pairs = Math.min(of.roundRates.length, over.roundRates.length);
  return {
    id,
    title,
    kind: 'scale-out-ratio',
    of: of.id,
    over: over.id,
    value,
    roundRatios: Array.from({ length: pairs }, (_, i) => of.roundRates[i]! / over.roundRates[i]!),
    bottleneck: `${bottleneck(of.cpu, of.part)}${cpuCeiling === null ? '' : `; at ${round3(over.cpuPerOpMs!)} ms of CPU per ${over.unit === 'events/s' ? 'event' : 'query'} (as in ${over.id}), ${over.cpu.cores} cores allow ${cpuCeiling}x ${over.id}`}`,
    cpuCeiling,
    target,
    met: target === null ? null : meets(value, target),
  };
}

function bottleneck(cpu: CpuShare, part: string): string {
  const measured = describeCpu(cpu, part);
  if (cpu.machineBusy !== null && cpu.machineBusy >= SATURATED * cpu.cores) {
    const disturbed = cpu.other !== null && cpu.other >= DISTURBED ? `, ${cpu.other} cores of it other work` : '';
    return `CPU-bound: every core busy${disturbed} (${measured})`;
  }
  const busiest = Math.max(cpu.bench, ...cpu.children);
  if (busiest >= SATURATED) {
    const who = busiest === cpu.bench ? 'the bench (client) process' : `one of the ${part}`;
    return `${who} at ${busiest} cores (${measured})`;
  }
  return `no CPU saturated (${measured})`;
}

/** The median of the rounds' rates, and every round's. */
export function rates(roundRates: readonly number[]): { rate: number; roundRates: readonly number[] } {
  return { rate: median(roundRates), roundRates };
}

/** CPU ms per operation at `rate` ops/s during `cpu`'s window: the machine's busy cores less other work. */
export function cpuPerOpMs(cpu: CpuShare, rate: number): number | null {
  if (cpu.machineBusy === null || cpu.other === null) return null;
  return ((cpu.machineBusy - cpu.other) * 1000) / rate;
}
