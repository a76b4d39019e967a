import fs from 'node:fs';
import os from 'node:os';
import type { Sampled } from './stack';

/**
 * CPU and memory of process trees, read from /proc (Linux). A tree is a root and everything below it, so PostgreSQL
 * counts its postmaster and every backend; the CPU of children that have already exited is counted through their
 * parent's cutime/cstime.
 */

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Stat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in ticks. */
  ticks: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(f[i - 3]);
    return { pid, ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17) };
  } catch {
    return undefined;
  }
}

/** Proportional set size (shared pages split among their users), so a tree's sum does not count shared memory twice. */
function pssKb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function allStats(): Stat[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readStat(Number(d)))
    .filter((s): s is Stat => s !== undefined);
}

export interface TreeSample {
  cpuSeconds: number;
  pssMb: number;
  processes: number;
}

export interface Sample {
  at: number;
  trees: Record<string, TreeSample>;
  /** Machine-wide busy and total CPU time since boot, in seconds (all cores). */
  machine: { busySeconds: number; totalSeconds: number; loadavg: number[] };
}

function machineTimes(): { busySeconds: number; totalSeconds: number } {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0); // idle + iowait
  return { busySeconds: (total - idle) / TICKS_PER_SECOND, totalSeconds: total / TICKS_PER_SECOND };
}

export function sample(roots: Sampled[], withMemory = true): Sample {
  const stats = allStats();
  const children = new Map<number, Stat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const trees: Record<string, TreeSample> = {};
  // A tree stops where another sampled tree starts (the benchmark itself is the parent of the stack it started).
  const rootPids = new Set(roots.map((r) => r.pid));
  for (const root of roots) {
    const members: Stat[] = [];
    const stack = byPid.has(root.pid) ? [byPid.get(root.pid)!] : [];
    while (stack.length) {
      const s = stack.pop()!;
      members.push(s);
      stack.push(...(children.get(s.pid) ?? []).filter((c) => !rootPids.has(c.pid)));
    }
    trees[root.name] = {
      cpuSeconds: members.reduce((a, s) => a + s.ticks, 0) / TICKS_PER_SECOND,
      pssMb: withMemory ? members.reduce((a, s) => a + pssKb(s.pid), 0) / 1024 : 0,
      processes: members.length,
    };
  }
  return { at: Date.now(), trees, machine: { ...machineTimes(), loadavg: os.loadavg() } };
}

export interface Usage {
  /** Per tree: CPU as a share of one core over the interval, and memory at its end. */
  trees: Record<string, { cpuPercent: number; cpuSeconds: number; pssMb: number }>;
  machine: {
    cores: number;
    /** Busy share of all cores, 0–100. */
    busyPercent: number;
    /** What the sampled trees do not explain: other people's work on a shared machine, in % of one core. */
    othersPercentOfCore: number;
    loadavgStart: number[];
    loadavgEnd: number[];
  };
}

export function usageBetween(a: Sample, b: Sample): Usage {
  const seconds = (b.at - a.at) / 1000;
  const trees: Usage['trees'] = {};
  let ours = 0;
  for (const [name, end] of Object.entries(b.trees)) {
    const start = a.trees[name];
    const cpuSeconds = Math.max(0, end.cpuSeconds - (start?.cpuSeconds ?? end.cpuSeconds));
    ours += cpuSeconds;
    trees[name] = { cpuPercent: round((100 * cpuSeconds) / seconds), cpuSeconds: round(cpuSeconds), pssMb: round(end.pssMb) };
  }
  const cores = os.cpus().length;
  const busy = b.machine.busySeconds - a.machine.busySeconds;
  const total = b.machine.totalSeconds - a.machine.totalSeconds;
  return {
    trees,
    machine: {
      cores,
      busyPercent: round((100 * busy) / Math.max(total, 1e-9)),
      othersPercentOfCore: round(Math.max(0, (100 * (busy - ours)) / seconds)),
      loadavgStart: a.machine.loadavg.map(round),
      loadavgEnd: b.machine.loadavg.map(round),
    },
  };
}

export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;
