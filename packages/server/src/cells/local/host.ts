/** Small host-side helpers shared by the local driver's parts. */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export class HostCommandError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** The most a host tool may write to stdout (what `execFile` allowed), and the stderr kept. */
const MAX_HOST_OUTPUT = 1024 * 1024;
const MAX_HOST_STDERR = 16 * 1024;

/**
 * Runs a host tool with a clean environment and no input; rejects with its stderr in the
 * message unless it exits with one of `okCodes`. Its stdin is /dev/null, not a pipe: bash
 * takes a socket on stdin (which is what a pipe from Node is) for a remote shell and then
 * runs root's ~/.bashrc, which cost every bash helper about 10 ms and let the host's shell
 * set-up run in a cell's mount namespace.
 */
export function runHost(
  file: string,
  args: readonly string[],
  { timeoutMs = 30_000, okCodes = [0] }: { timeoutMs?: number; okCodes?: number[] } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    const fail = (detail: string) =>
      reject(new HostCommandError(`${file} ${args.join(' ')}: ${detail}`, stderr));
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      if (stdout.length > MAX_HOST_OUTPUT) {
        child.kill('SIGKILL');
        fail(`wrote more than ${MAX_HOST_OUTPUT} characters`);
      }
    });
    // What a tool says may quote a cell's files (e2fsck does): only its end is kept.
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-MAX_HOST_STDERR);
    });
    child.once('error', (error) => fail(error.message));
    child.once('close', (code, signal) => {
      if (code !== null && okCodes.includes(code)) resolve(stdout);
      else fail(stderr.trim() || (signal ? `killed by ${signal}` : `exit ${code}`));
    });
  });
}

export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

export const isErrno = (error: unknown, ...codes: string[]): boolean =>
  codes.includes((error as NodeJS.ErrnoException | undefined)?.code ?? '');

/** SIGKILL, where a process that has already gone is no error. */
export function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if (!isErrno(error, 'ESRCH')) throw error;
  }
}

/** True while a process `pid` exists (whoever's it is: pids are reused). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as someone this process may not signal.
    return !isErrno(error, 'ESRCH');
  }
}

/** A rejection handler: `value` when the path does not exist, the error otherwise. */
export const whenMissing =
  <T>(value: T) =>
  (error: unknown): T => {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return value;
    throw error;
  };

/**
 * Calls `attempt` until it returns something other than undefined, backing off from 2 ms
 * to 50 ms, and returns undefined once `timeoutMs` has passed.
 */
export async function poll<T>(
  attempt: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    const result = await attempt();
    if (result !== undefined || performance.now() > deadline) return result;
    await sleep(delay);
  }
}

export interface Mount {
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string;
}

/** The mounts of this process's namespace. */
export async function readMounts(): Promise<Mount[]> {
  return parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

/** Parses /proc/<pid>/mountinfo, decoding the octal escapes in paths. */
export function parseMountinfo(text: string): Mount[] {
  return text
    .split('\n')
    .filter((line) => line.includes(' - '))
    .map((line) => {
      const [before = '', after = ''] = line.split(' - ');
      const [fsType = '', source = '', superOptions = ''] = after.split(' ');
      return {
        mountPoint: unescapeMountField(before.split(' ')[4] ?? ''),
        fsType,
        source: unescapeMountField(source),
        superOptions,
      };
    });
}

const unescapeMountField = (field: string) =>
  field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
