import { defaultUserSettings, type UserSettings } from '@workcell/protocol';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  expectError,
  forEachDatabase,
  registerUser,
  withCookie,
  type TestUser,
} from '../test-support/api-harness';

const URL = '/api/users/me/settings';

forEachDatabase('settings API (/api/users/me/settings)', (ctx) => {
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    alice = await registerUser(ctx.app, 'settings');
    bob = await registerUser(ctx.app, 'settings');
  });

  const get = async (user: TestUser) => {
    const response = await ctx.app.inject({ url: URL, headers: bearer(user) });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<UserSettings>();
  };
  const patch = (
    user: TestUser,
    payload: unknown,
    headers: Record<string, string> = bearer(user),
  ) => ctx.app.inject({ method: 'PATCH', url: URL, headers, payload: payload as object });

  it('a user who never changed anything gets the defaults', async () => {
    const carol = await registerUser(ctx.app, 'settings');
    expect(await get(carol)).toEqual({
      theme: 'dark',
      vimMode: false,
      fontSize: 14,
      tabSize: 4,
      autosave: true,
    });
    expect(defaultUserSettings).toEqual(await get(carol));
    // Reading stores nothing.
    const rows = await ctx.db
      .selectFrom('user_settings')
      .select('user_id')
      .where('user_id', '=', carol.id)
      .execute();
    expect(rows).toEqual([]);
  });

  it('PATCH merges, answers with all the settings, and a fresh GET sees them', async () => {
    const first = await patch(alice, { theme: 'monokai', fontSize: 16 });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ ...defaultUserSettings, theme: 'monokai', fontSize: 16 });

    // The cookie works as well as the bearer token; earlier changes are kept.
    const second = await patch(alice, { vimMode: true, tabSize: 2 }, withCookie(alice));
    expect(second.statusCode, second.body).toBe(200);
    const expected = {
      theme: 'monokai',
      vimMode: true,
      fontSize: 16,
      tabSize: 2,
      autosave: true,
    };
    expect(second.json()).toEqual(expected);
    expect(await get(alice)).toEqual(expected);

    // Setting a value back to its default, and an empty patch, are fine.
    const third = await patch(alice, { theme: 'dark' });
    expect(third.json()).toEqual({ ...expected, theme: 'dark' });
    const empty = await patch(alice, {});
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toEqual({ ...expected, theme: 'dark' });
  });

  it('every theme is accepted, and the limits of fontSize and tabSize', async () => {
    const dave = await registerUser(ctx.app, 'settings');
    for (const theme of [
      'dark',
      'light',
      'high-contrast',
      'monokai',
      'solarized-dark',
      'solarized-light',
    ]) {
      expect((await patch(dave, { theme })).json<UserSettings>().theme).toBe(theme);
    }
    for (const change of [{ fontSize: 8 }, { fontSize: 40 }, { tabSize: 1 }, { tabSize: 8 }]) {
      const response = await patch(dave, change);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject(change);
    }
  });

  describe('invalid values', () => {
    it.each([
      ['an unknown theme', { theme: 'neon' }],
      ['a font size under 8', { fontSize: 7 }],
      ['a font size over 40', { fontSize: 41 }],
      ['a fractional font size', { fontSize: 12.5 }],
      ['a tab size of 0', { tabSize: 0 }],
      ['a tab size of 9', { tabSize: 9 }],
      ['a string for vimMode', { vimMode: 'yes' }],
      ['null for autosave', { autosave: null }],
      ['an unknown key', { wordWrap: true }],
      ['an unknown key beside a valid change', { theme: 'light', colour: 'red' }],
      ['a valid change beside an invalid one', { theme: 'light', fontSize: 100 }],
      ['an array', [{ theme: 'light' }]],
    ])('%s is 400 VALIDATION_FAILED and changes nothing', async (_, payload) => {
      const before = await get(bob);
      expectError(await patch(bob, payload), 400, 'VALIDATION_FAILED');
      expect(await get(bob)).toEqual(before);
    });

    it('a body that is not JSON is 400 and changes nothing', async () => {
      const before = await get(bob);
      const response = await ctx.app.inject({
        method: 'PATCH',
        url: URL,
        headers: { ...bearer(bob), 'content-type': 'application/json' },
        payload: '{"theme": ',
      });
      expectError(response, 400, 'VALIDATION_FAILED');
      expect(await get(bob)).toEqual(before);
    });
  });

  it("one user's changes do not touch another's settings", async () => {
    const erin = await registerUser(ctx.app, 'settings');
    const frank = await registerUser(ctx.app, 'settings');
    expect((await patch(frank, { theme: 'light', autosave: false })).statusCode).toBe(200);
    expect((await patch(erin, { theme: 'solarized-light', fontSize: 20 })).statusCode).toBe(200);
    expect(await get(frank)).toEqual({ ...defaultUserSettings, theme: 'light', autosave: false });
    expect(await get(erin)).toEqual({
      ...defaultUserSettings,
      theme: 'solarized-light',
      fontSize: 20,
    });
  });

  it('concurrent patches of different settings both apply', async () => {
    const gina = await registerUser(ctx.app, 'settings');
    const responses = await Promise.all([
      patch(gina, { theme: 'high-contrast' }),
      patch(gina, { fontSize: 22 }),
      patch(gina, { vimMode: true }),
    ]);
    for (const response of responses) expect(response.statusCode, response.body).toBe(200);
    expect(await get(gina)).toEqual({
      ...defaultUserSettings,
      theme: 'high-contrast',
      fontSize: 22,
      vimMode: true,
    });
  });

  it('stored values that are no longer valid read as the defaults', async () => {
    const hugo = await registerUser(ctx.app, 'settings');
    expect((await patch(hugo, { tabSize: 2 })).statusCode).toBe(200);
    await ctx.db
      .updateTable('user_settings')
      .set({
        settings: sql`${JSON.stringify({ tabSize: 2, theme: 'retired-theme', legacy: 1 })}::text::jsonb`,
      })
      .where('user_id', '=', hugo.id)
      .execute();
    expect(await get(hugo)).toEqual({ ...defaultUserSettings, tabSize: 2 });
  });

  it('is 401 without a valid session, and nothing is stored', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer wc_forged' },
      { cookie: 'workcell_session=x' },
    ]) {
      expectError(await ctx.app.inject({ url: URL, headers }), 401, 'UNAUTHENTICATED');
      expectError(
        await ctx.app.inject({ method: 'PATCH', url: URL, headers, payload: { theme: 'light' } }),
        401,
        'UNAUTHENTICATED',
      );
      // Even an invalid body: the caller is checked first.
      expectError(
        await ctx.app.inject({ method: 'PATCH', url: URL, headers, payload: { theme: 'neon' } }),
        401,
        'UNAUTHENTICATED',
      );
    }
  });

  it('the settings go with the account', async () => {
    const ivan = await registerUser(ctx.app, 'settings');
    expect((await patch(ivan, { theme: 'light' })).statusCode).toBe(200);
    await ctx.db.deleteFrom('users').where('id', '=', ivan.id).execute();
    const rows = await ctx.db
      .selectFrom('user_settings')
      .select('user_id')
      .where('user_id', '=', ivan.id)
      .execute();
    expect(rows).toEqual([]);
  });
});
