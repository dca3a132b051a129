/**
 * Resource use of the cell from /proc. Inside the cell's pid namespace (the agent is pid 1
 * or 2 there) /proc shows exactly the cell; run anywhere else (tests, development) the
 * agent counts itself and its descendants instead of the whole host.
 */
import { readdir, readFile } from 'node:fs/promises';

import type { AgentResult } from '@workcell/protocol/agent';
import { statFields } from './proc-stat';

/** USER_HZ, the unit of the times in /proc/<pid>/stat: 100 on every Linux architecture. */
const MS_PER_TICK = 10;

interface ProcessInfo {
  pid: number;
  ppid: number;
  uid: number;
  /** Own CPU plus that of the children it reaped, in ticks. */
  ticks: number;
  rssBytes: number;
}

async function readProcess(pid: number): Promise<ProcessInfo | undefined> {
  try {
    const [stat, status] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
    ]);
    const fields = statFields(stat).map(Number);
    const [utime = 0, stime = 0, cutime = 0, cstime = 0] = fields.slice(11, 15);
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
    const rssKiB = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    return {
      pid,
      ppid: fields[1] ?? 0,
      uid,
      ticks: utime + stime + cutime + cstime,
      rssBytes: rssKiB * 1024,
    };
  } catch {
    return undefined; // exited while we looked
  }
}

/**
 * @param userUid the uid user code runs as: its processes that the agent did not start
 *   directly (so not the idle PTY shells or the exec launchers) are running user programs.
 */
export async function cellStats(userUid: number): Promise<AgentResult<'stats'>> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const all = (await Promise.all(pids.map(readProcess))).filter((p) => p !== undefined);
  const self = process.pid;
  const inCell = self <= 2 ? all : descendants(all, self);
  // The sandbox's init (our parent) may run as the user too; it is no user program.
  const agentOrItsOwn = (p: ProcessInfo) =>
    p.pid === self || p.ppid === self || p.pid === process.ppid;
  return {
    cpuMs: inCell.reduce((sum, p) => sum + p.ticks, 0) * MS_PER_TICK,
    memoryBytes: inCell.reduce((sum, p) => sum + p.rssBytes, 0),
    processes: inCell.length,
    userProcesses: inCell.filter((p) => p.uid === userUid && !agentOrItsOwn(p)).length,
  };
}

function descendants(all: ProcessInfo[], root: number): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const found = all.filter((p) => p.pid === root);
  for (const p of found) found.push(...(children.get(p.pid) ?? [])); // sees what it appends
  return found;
}
