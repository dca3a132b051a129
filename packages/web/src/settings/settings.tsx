/**
 * The user's editor settings, kept on the server (`/api/users/me/settings`) so they follow
 * the user to any browser. Changes apply at once and are saved in the background.
 */
import { defaultUserSettings, type UserSettings } from '@workcell/protocol';
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';

import { request } from '../api/client';

interface SettingsValue {
  settings: UserSettings;
  update(patch: Partial<UserSettings>): Promise<void>;
}

const SettingsContext = createContext<SettingsValue | undefined>(undefined);

export function SettingsProvider({ children }: { children: React.ReactNode }) {
  const [settings, setSettings] = useState<UserSettings>(defaultUserSettings);

  useEffect(() => {
    let live = true;
    request<UserSettings>('GET', '/api/users/me/settings')
      .then((loaded) => live && setSettings(loaded))
      .catch((error: unknown) => console.warn('settings not loaded', error));
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    document.documentElement.dataset.theme = settings.theme;
  }, [settings.theme]);

  const update = useCallback(async (patch: Partial<UserSettings>) => {
    setSettings((current) => ({ ...current, ...patch }));
    setSettings(await request<UserSettings>('PATCH', '/api/users/me/settings', { body: patch }));
  }, []);

  const value = useMemo(() => ({ settings, update }), [settings, update]);
  return <SettingsContext value={value}>{children}</SettingsContext>;
}

export function useSettings(): SettingsValue {
  const value = useContext(SettingsContext);
  if (!value) throw new Error('useSettings outside SettingsProvider');
  return value;
}
