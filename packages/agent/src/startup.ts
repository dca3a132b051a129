/**
 * The agent's start-up times, reported in its `ready` event: boot.ts leaves a performance
 * mark when Node hands it control and one when the bundle is compiled; main.ts adds the
 * moment it says `ready`.
 */
export const BOOT_MARKS = {
  node: 'workcell-agent:node',
  compiled: 'workcell-agent:compiled',
} as const;

export interface Startup {
  /** When the process started, ms since the epoch. */
  at: number;
  /** ms from the process's start until Node ran the entry point... */
  node: number;
  /** ...until the agent's code was compiled... */
  compiled: number;
  /** ...and until now. */
  ready: number;
  /** CPU time (user and system, every thread) used so far, ms. */
  cpu: number;
  /** Whether V8's code cache was used for the agent's code. */
  codeCache: boolean;
}

/** Undefined when the agent was started without boot.ts (from source, in development). */
export function startupTimes(): Startup | undefined {
  const [node] = performance.getEntriesByName(BOOT_MARKS.node, 'mark');
  const [compiled] = performance.getEntriesByName(BOOT_MARKS.compiled, 'mark') as PerformanceMark[];
  performance.clearMarks();
  if (!node || !compiled) return undefined;
  return {
    at: performance.timeOrigin,
    node: node.startTime,
    compiled: compiled.startTime,
    ready: performance.now(),
    cpu: cpuMs(),
    codeCache: (compiled.detail as { codeCache?: boolean } | null)?.codeCache === true,
  };
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
