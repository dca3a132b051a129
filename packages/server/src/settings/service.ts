/**
 * Each user's editor settings. Only what the user changed is stored (one JSON object per
 * user); reading fills in the defaults, so a new default reaches everyone who never chose.
 */
import {
  defaultUserSettings,
  userSettings,
  type UpdateSettingsBody,
  type UserSettings,
} from '@workcell/protocol';
import { sql } from 'kysely';

import type { Db } from '../store/database';

const keys = Object.keys(userSettings.shape) as (keyof UserSettings)[];

/** The defaults overlaid with the stored values that are still valid (a key dropped or tightened since is ignored). */
function withDefaults(stored: Record<string, unknown> | undefined): UserSettings {
  const settings: Record<string, unknown> = { ...defaultUserSettings };
  for (const key of keys) {
    const parsed = userSettings.shape[key].safeParse(stored?.[key]);
    if (parsed.success) settings[key] = parsed.data;
  }
  return settings as UserSettings;
}

export class SettingsService {
  constructor(private readonly db: Db) {}

  async get(userId: string): Promise<UserSettings> {
    const row = await this.db
      .selectFrom('user_settings')
      .select('settings')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return withDefaults(row?.settings);
  }

  /** Merges `changes` into the stored settings in one statement (concurrent patches both apply). */
  async update(userId: string, changes: UpdateSettingsBody): Promise<UserSettings> {
    const json = JSON.stringify(changes);
    const row = await this.db
      .insertInto('user_settings')
      .values({ user_id: userId, settings: sql`${json}::text::jsonb`, updated_at: new Date() })
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet({
          settings: sql`user_settings.settings || excluded.settings`,
          updated_at: new Date(),
        }),
      )
      .returning('settings')
      .executeTakeFirstOrThrow();
    return withDefaults(row.settings);
  }
}
