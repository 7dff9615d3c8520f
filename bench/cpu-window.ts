import { readdir, readFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { round3 } from './stats.js';

/**
 * Where the machine's CPU went during a window, in cores' worth (CPU seconds
 * per second of wall time: 2 is both cores of a 2-core machine busy).
 */
export interface CpuShare {
  readonly wallMs: number;
  readonly cores: number;
  /** Busy time of every core (`/proc/stat`: every process, the servers' and anything else running); null off Linux. */
  readonly machineBusy: number | null;
  /** The bench process (user and system time, every thread). */
  readonly bench: number;
  /** Each child process the window was given, in order. */
  readonly children: readonly number[];
  /** The servers' processes by name (`/proc/<pid>/stat`; PostgreSQL's backends that exit during the window are not counted). */
  readonly servers: Readonly<Record<string, number>>;
  /** `machineBusy` less the bench, its children and the servers: other work on the machine. */
  readonly other: number | null;
  /** The 1-minute load average at the window's end. */
  readonly loadavg1: number;
}

/**
 * Starts measuring CPU: this process's, the machine's, and the children's as
 * `children()` reads them (each child's `process.cpuUsage()`). The function
 * returned ends the window.
 */
export async function openCpuWindow(
  children: () => Promise<readonly NodeJS.CpuUsage[]> = async () => [],
): Promise<() => Promise<CpuShare>> {
  const [childStart, machineStart, serversStart] = await Promise.all([children(), machineTicks(), serverTicks()]);
  const benchStart = process.cpuUsage();
  const started = performance.now();
  return async () => {
    const wallMs = performance.now() - started;
    const bench = process.cpuUsage(benchStart);
    const [childEnd, machineEnd, serversEnd] = await Promise.all([children(), machineTicks(), serverTicks()]);
    const cores = availableParallelism();
    const share = (usage: { user: number; system: number }) => (usage.user + usage.system) / 1000 / wallMs;
    const perChild = childEnd.map((end, i) => {
      const start = childStart[i] ?? { user: 0, system: 0 };
      return share({ user: end.user - start.user, system: end.system - start.system });
    });
    const machineBusy =
      machineStart && machineEnd && machineEnd.total > machineStart.total
        ? ((machineEnd.busy - machineStart.busy) / (machineEnd.total - machineStart.total)) * cores
        : null;
    const servers: Record<string, number> = {};
    for (const [pid, { name, ticks }] of serversEnd) {
      const used = ticks - (serversStart.get(pid)?.ticks ?? 0);
      servers[name] = (servers[name] ?? 0) + (used * 10) / wallMs;
    }
    const ours = share(bench) + perChild.reduce((a, b) => a + b, 0);
    const serversTotal = Object.values(servers).reduce((a, b) => a + b, 0);
    return {
      wallMs: round3(wallMs),
      cores,
      machineBusy: machineBusy === null ? null : round3(machineBusy),
      bench: round3(share(bench)),
      children: perChild.map(round3),
      servers: Object.fromEntries(Object.entries(servers).map(([name, cores]) => [name, round3(cores)])),
      other: machineBusy === null ? null : round3(Math.max(0, machineBusy - ours - serversTotal)),
      loadavg1: round3(loadavg()[0]!),
    };
  };
}

/** The machine's CPU ticks so far, busy and in all (`/proc/stat`), or null where there is none. */
async function machineTicks(): Promise<{ busy: number; total: number } | null> {
  const stat = await readFile('/proc/stat', 'utf8').catch(() => null);
  const fields = stat?.split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number);
  if (!fields || fields.length < 5 || fields.some((n) => !Number.isFinite(n))) return null;
  // user nice system idle iowait irq softirq steal (guest time is already counted in user).
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = fields[3]! + fields[4]!;
  return { busy: total - idle, total };
}

/** The servers whose CPU a window reports, by process name. */
const SERVERS: Readonly<Record<string, string>> = {
  postgres: 'postgres',
  'nats-server': 'nats',
  'redis-server': 'redis',
};

/** CPU ticks (1/100 s) so far of each server process, by pid (none off Linux). */
async function serverTicks(): Promise<Map<string, { name: string; ticks: number }>> {
  const out = new Map<string, { name: string; ticks: number }>();
  const pids = await readdir('/proc').catch(() => [] as string[]);
  await Promise.all(
    pids
      .filter((pid) => /^\d+$/.test(pid))
      .map(async (pid) => {
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
        // pid (comm) state ppid ...: utime and stime are fields 14 and 15, 12 and 13 after the comm.
        const match = stat && /^\d+ \((.*)\) (.*)$/s.exec(stat);
        const name = match ? SERVERS[match[1]!] : undefined;
        if (!match || !name) return;
        const fields = match[2]!.split(' ');
        out.set(pid, { name, ticks: Number(fields[11]) + Number(fields[12]) });
      }),
  );
  return out;
}

/** One line: each share in cores, e.g. `machine 1.96 of 2 cores busy: bench 0.71, workers 0.42 + 0.40, postgres 0.2, nats 0.3, redis 0.1, other work 0.43; load 5.2`. */
export function describeCpu(cpu: CpuShare, childLabel = 'children'): string {
  const kids = cpu.children.length === 0 ? '' : `, ${childLabel} ${cpu.children.join(' + ')}`;
  const machine =
    cpu.machineBusy === null ? 'machine busy unknown' : `machine ${cpu.machineBusy} of ${cpu.cores} cores busy`;
  const servers = Object.entries(cpu.servers).map(([name, cores]) => `, ${name} ${cores}`);
  const other = cpu.other === null ? '' : `, other work ${cpu.other}`;
  return `${machine}: bench ${cpu.bench}${kids}${servers.join('')}${other}; load ${cpu.loadavg1}`;
}
