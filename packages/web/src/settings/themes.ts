import type { EditorTheme } from '@workcell/protocol';

/** What each theme is called in the settings; keyed by the protocol's enum so none is missed. */
export const themeLabels: Record<EditorTheme, string> = {
  dark: 'Dark (default)',
  light: 'Light',
  'high-contrast': 'High contrast',
  monokai: 'Monokai',
  'solarized-dark': 'Solarized Dark',
  'solarized-light': 'Solarized Light',
};
