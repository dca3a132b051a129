/**
 * The processes a program started, from /proc: its descendants and the rest of its
 * session, so a stop reaches children that left its process group or were orphaned.
 * Each is named with its start time, so a pid reused meanwhile is never killed.
 */
import { readdir, readFile } from 'node:fs/promises';
import { statFields } from './proc-stat';

interface ProcessEntry {
  pid: number;
  ppid: number;
  session: number;
  /** Clock ticks after boot at which it started: with the pid, one process for ever. */
  startTime: string;
}

async function readEntry(pid: number): Promise<ProcessEntry | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = statFields(stat);
    return {
      pid,
      ppid: Number(fields[1]),
      session: Number(fields[3]),
      startTime: fields[19] ?? '',
    };
  } catch {
    return undefined; // exited while we looked
  }
}

async function allProcesses(): Promise<ProcessEntry[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  return (await Promise.all(pids.map(readEntry))).filter((p) => p !== undefined);
}

/** `root` (a session leader), its descendants and its session: pid → start time. */
export async function processTree(root: number): Promise<Map<number, string>> {
  const all = await allProcesses();
  const children = new Map<number, ProcessEntry[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const found = all.filter((p) => p.pid === root || p.session === root);
  for (const p of found) found.push(...(children.get(p.pid) ?? [])); // sees what it appends
  return new Map(found.map((p) => [p.pid, p.startTime]));
}

/** SIGKILLs each process of `tree` that is still the same process. */
export async function killTree(tree: Map<number, string>): Promise<void> {
  for (const [pid, startTime] of tree) {
    if ((await readEntry(pid))?.startTime !== startTime) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}
