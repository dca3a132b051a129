import type { FileContent } from '@workcell/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { ApiError } from '../../api/client';
import { SaveQueue, type QueueState } from './saveQueue';

interface Call {
  content: string;
  baseVersion: number;
  resolve: (version: number) => void;
  reject: (error: Error) => void;
}

function setup(baseVersion = 1) {
  let content = 'a';
  const calls: Call[] = [];
  const states: QueueState[] = [];
  const saved: Array<[number, string]> = [];
  const queue = new SaveQueue({
    getContent: () => content,
    baseVersion,
    write: (text, base) =>
      new Promise((resolve, reject) =>
        calls.push({
          content: text,
          baseVersion: base,
          resolve: (version) => resolve({ version }),
          reject,
        }),
      ),
    onState: (state) => states.push(state),
    onSaved: (version, text) => saved.push([version, text]),
    backoff: (attempt) => attempt * 1000,
  });
  return {
    queue,
    calls,
    states,
    saved,
    type: (text: string) => {
      content = text;
    },
  };
}

const current: FileContent = {
  path: 'a.py',
  content: 'theirs',
  encoding: 'utf-8',
  version: 7,
  size: 6,
  sha256: '',
  updatedAt: new Date(0).toISOString(),
};

/** Lets answered requests run their continuations without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('SaveQueue', () => {
  it('keeps one request in flight and saves later edits after it with the new version', async () => {
    const { queue, calls, type, saved } = setup(3);
    type('one');
    queue.save();
    type('two');
    queue.save();
    type('three');
    queue.save();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ content: 'one', baseVersion: 3 });

    calls[0]!.resolve(4);
    await settle();
    expect(calls).toHaveLength(2);
    // The edits made meanwhile are coalesced into one request with the newest text.
    expect(calls[1]).toMatchObject({ content: 'three', baseVersion: 4 });
    calls[1]!.resolve(5);
    await queue.flush();
    expect(saved).toEqual([
      [4, 'one'],
      [5, 'three'],
    ]);
    expect(queue.state.kind).toBe('idle');
    expect(queue.baseVersion).toBe(5);
  });

  it('flush resolves only when the newest content is saved', async () => {
    const { queue, calls, type } = setup();
    type('x');
    queue.save();
    const done = vi.fn();
    void queue.flush().then(done);
    expect(calls).toHaveLength(1);
    await Promise.resolve();
    expect(done).not.toHaveBeenCalled();
    calls[0]!.resolve(2);
    await settle();
    expect(done).toHaveBeenCalled();
  });

  it('surfaces a version conflict with the server copy and sends nothing more until resolved', async () => {
    const { queue, calls, type, states } = setup(1);
    type('mine');
    queue.save();
    calls[0]!.reject(new ApiError(409, 'VERSION_CONFLICT', 'changed', current));
    await expect(queue.flush()).rejects.toThrow(/changed on the server/);
    expect(states.at(-1)).toEqual({ kind: 'conflict', current });

    type('mine 2');
    queue.save();
    expect(calls).toHaveLength(1);

    // Keep mine: written over the server's version.
    queue.resolveConflict(7, true);
    expect(calls[1]).toMatchObject({ content: 'mine 2', baseVersion: 7 });
    calls[1]!.resolve(8);
    await queue.flush();
    expect(queue.state.kind).toBe('idle');
  });

  it('take theirs drops the unsent edit without a request', async () => {
    const { queue, calls, type } = setup(1);
    type('mine');
    queue.save();
    calls[0]!.reject(new ApiError(409, 'VERSION_CONFLICT', 'changed', current));
    await settle();
    expect(queue.state.kind).toBe('conflict');
    queue.resolveConflict(7, false);
    await queue.flush();
    expect(calls).toHaveLength(1);
    expect(queue.baseVersion).toBe(7);
  });

  it('retries a network failure by itself with backoff, keeping the newest content', async () => {
    const { queue, calls, type, states } = setup(1);
    type('v1');
    queue.save();
    calls[0]!.reject(new ApiError(0, 'NETWORK', 'The server cannot be reached'));
    await settle();
    expect(queue.state.kind).toBe('retrying');
    expect(states.at(-1)).toMatchObject({ error: 'The server cannot be reached', attempt: 1 });
    type('v2');
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls[1]).toMatchObject({ content: 'v2', baseVersion: 1 });

    calls[1]!.reject(new ApiError(503, 'DATABASE_UNAVAILABLE', 'down'));
    await settle();
    expect(queue.state).toMatchObject({ kind: 'retrying', attempt: 2 });
    await vi.advanceTimersByTimeAsync(2000);
    calls[2]!.resolve(2);
    await settle();
    expect(queue.state.kind).toBe('idle');
    expect(queue.baseVersion).toBe(2);
  });

  it('does not retry a file that is too large, and says why', async () => {
    const { queue, calls, type } = setup(1);
    type('huge');
    queue.save();
    calls[0]!.reject(new ApiError(413, 'FILE_TOO_LARGE', 'The file is larger than 10 MiB.'));
    await expect(queue.flush()).rejects.toThrow('larger than 10 MiB');
    expect(queue.state).toEqual({ kind: 'failed', error: 'The file is larger than 10 MiB.' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);

    // The next edit tries again (the user may have made it smaller).
    type('small');
    queue.save();
    expect(calls[1]).toMatchObject({ content: 'small' });
  });

  it('rejects a flush while a retry is pending so nothing runs stale code', async () => {
    const { queue, calls, type } = setup(1);
    type('x');
    queue.save();
    calls[0]!.reject(new ApiError(0, 'NETWORK', 'offline'));
    await settle();
    expect(queue.state.kind).toBe('retrying');
    // flush sends at once instead of waiting for the backoff.
    const flushed = queue.flush();
    expect(calls).toHaveLength(2);
    calls[1]!.reject(new ApiError(0, 'NETWORK', 'offline'));
    await expect(flushed).rejects.toThrow('offline');
  });
});
