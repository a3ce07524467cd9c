/**
 * Process accounting from /proc (Linux): which workerd a Miniflare started,
 * and a process's memory (RSS) and CPU time. Elsewhere these read as null and
 * the report says "n/a".
 */
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ; 100 on every mainstream Linux.

interface Stat {
  comm: string;
  ppid: number;
  /** user + system CPU time, ms. */
  cpuMs: number;
  /** system (kernel) CPU time alone, ms: syscalls, e.g. storage writes. */
  sysMs: number;
}

function stat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm is in parentheses and may contain spaces: split after the last ')'.
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    const fields = text.slice(close + 2).split(" ");
    const ms = (ticks: string | undefined) => (Number(ticks) * 1000) / TICKS_PER_SECOND;
    return { comm, ppid: Number(fields[1]), cpuMs: ms(fields[11]) + ms(fields[12]), sysMs: ms(fields[12]) };
  } catch {
    return null;
  }
}

/** Descendants of `root` whose command name starts with `name` (workerd, node...). */
export function descendants(root: number, name: string): number[] {
  let pids: number[];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return [];
  }
  const parent = new Map<number, Stat>();
  for (const pid of pids) {
    const s = stat(pid);
    if (s) parent.set(pid, s);
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parent.get(pid)?.ppid, depth = 0; p && depth < 20; p = parent.get(p)?.ppid, depth++) if (p === root) return true;
    return false;
  };
  return [...parent.entries()].filter(([pid, s]) => s.comm.startsWith(name) && isDescendant(pid)).map(([pid]) => pid);
}

/** Resident set size in MiB. */
export function rssMiB(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export function cpuMs(pid: number): { total: number; sys: number } | null {
  const s = stat(pid);
  return s ? { total: s.cpuMs, sys: s.sysMs } : null;
}

export interface ProcessUsage {
  /** RSS before the load, and its peak while the load ran (MiB). */
  rssIdleMiB: number | null;
  rssPeakMiB: number | null;
  /** CPU time the process spent during the load (ms), and the kernel's share of it. */
  cpuMs: number | null;
  sysMs: number | null;
}

/** Samples a process's RSS every 100 ms while a load runs; CPU time is the difference. */
export function watchProcess(pid: number | null): { stop(): ProcessUsage } {
  if (pid === null) return { stop: () => ({ rssIdleMiB: null, rssPeakMiB: null, cpuMs: null, sysMs: null }) };
  const idle = rssMiB(pid);
  const cpuStart = cpuMs(pid);
  let peak = idle;
  const timer = setInterval(() => {
    const now = rssMiB(pid);
    if (now !== null && (peak === null || now > peak)) peak = now;
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      const now = rssMiB(pid);
      if (now !== null && (peak === null || now > peak)) peak = now;
      const cpuEnd = cpuMs(pid);
      const both = cpuStart !== null && cpuEnd !== null;
      return { rssIdleMiB: idle, rssPeakMiB: peak, cpuMs: both ? cpuEnd.total - cpuStart.total : null, sysMs: both ? cpuEnd.sys - cpuStart.sys : null };
    },
  };
}
