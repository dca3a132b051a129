import { afterEach, describe, expect, it } from 'vitest';

import { startAgent, waitFor, type TestAgent } from './test-support';

describe('the agent start', () => {
  let agent: TestAgent | undefined;
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
  });

  it('runs from the code cache the build made', async () => {
    const started = (agent = await startAgent());
    const ready = await waitFor(
      () => started.events.find(({ event }) => event.ev === 'ready')?.event,
      'the agent to say ready',
    );
    expect(ready).toMatchObject({ startup: { codeCache: true } });
  });
});
