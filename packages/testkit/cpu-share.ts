import { readFileSync } from 'node:fs';

interface CpuTimes {
  total: number;
  idle: number;
  steal: number;
}

/** The machine's CPU time so far (Linux /proc/stat, in ticks); undefined where there is none. */
function cpuTimes(): CpuTimes | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { total: fields.slice(0, 8).reduce((a, b) => a + b, 0), idle: fields[3]! + fields[4]!, steal: fields[7] ?? 0 };
  } catch {
    return undefined;
  }
}

/**
 * Starts watching how the machine's CPU is spent; the returned function describes the span since,
 * for a benchmark to print. On a virtual machine, time the hypervisor gave to other guests shows
 * as steal: it slows everything measured and explains a run that is off from the others.
 */
export function watchCpuShare(): () => string {
  const before = cpuTimes();
  return () => {
    const after = cpuTimes();
    if (!before || !after || after.total === before.total) return 'CPU share unknown here (no /proc/stat)';
    const pct = (k: 'idle' | 'steal') => ((100 * (after[k] - before[k])) / (after.total - before.total)).toFixed(1);
    return `${pct('idle')} % of the CPU idle, ${pct('steal')} % taken by the hypervisor for other machines (steal)`;
  };
}

/** User + system CPU seconds of this process so far (all its threads): for benchmarks to difference. */
export function processCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
