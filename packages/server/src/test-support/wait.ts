/**
 * Polls `check` until it returns something other than undefined or false — tests wait for
 * a condition with a generous deadline instead of sleeping a fixed time. `pollMs` 0 polls
 * on every turn of the event loop.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
  pollMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) =>
      pollMs > 0 ? setTimeout(resolve, pollMs) : setImmediate(resolve),
    );
  }
}
