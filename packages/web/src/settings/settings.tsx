/**
 * The user's editor settings, kept on the server (`/api/users/me/settings`) so they follow
 * the user to any browser. Changes apply at once and are saved in the background.
 */
import { defaultUserSettings, type UserSettings } from '@workcell/protocol';
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';

import { api } from '../api/api';

interface SettingsValue {
  settings: UserSettings;
  /** Applies at once and saves; rejects (with the change undone) when the save fails. */
  update: (patch: Partial<UserSettings>) => Promise<void>;
}

const SettingsContext = createContext<SettingsValue | undefined>(undefined);

export function SettingsProvider({ children }: { children: React.ReactNode }) {
  const [settings, setSettings] = useState<UserSettings>(defaultUserSettings);

  useEffect(() => {
    let live = true;
    api
      .settings()
      .then((loaded) => live && setSettings(loaded))
      .catch((error: unknown) => console.warn('settings not loaded', error));
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    document.documentElement.dataset.theme = settings.theme;
  }, [settings.theme]);

  /** Numbers each save, so a slow answer to an older save cannot undo a newer change. */
  const lastSave = useRef(0);
  const update = useCallback(async (patch: Partial<UserSettings>) => {
    const save = ++lastSave.current;
    let before: Partial<UserSettings> = {};
    setSettings((current) => {
      before = Object.fromEntries(
        Object.keys(patch).map((key) => [key, current[key as keyof UserSettings]]),
      );
      return { ...current, ...patch };
    });
    try {
      const saved = await api.updateSettings({ body: patch });
      if (save === lastSave.current) setSettings(saved);
    } catch (error) {
      // Showing a choice the server did not keep would lose it on the next visit.
      if (save === lastSave.current) setSettings((current) => ({ ...current, ...before }));
      throw error;
    }
  }, []);

  const value = useMemo(() => ({ settings, update }), [settings, update]);
  return <SettingsContext value={value}>{children}</SettingsContext>;
}

export function useSettings(): SettingsValue {
  const value = useContext(SettingsContext);
  if (!value) throw new Error('useSettings outside SettingsProvider');
  return value;
}
