import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

export interface Machine {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  /** /proc/loadavg's 1-minute figure when the run started: other work on the machine skews figures. */
  loadAtStart: number;
}

export function describeMachine(): Machine {
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAtStart: loadAverage(),
  };
}

function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds of the whole machine so far (all cores, from /proc/stat): `busy` running
 * anything inside this VM, `stolen` waiting for the host to run a virtual CPU that had work.
 */
export function machineSeconds(): { busy: number; stolen: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return { busy: (user! + nice! + system! + irq! + softirq!) / 100, stolen: steal! / 100 };
  } catch {
    return { busy: Number.NaN, stolen: Number.NaN };
  }
}
