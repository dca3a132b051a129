/**
 * Monaco colour themes for the app's themes: the built-in ones for dark, light and high
 * contrast, and real token colours for Monokai and Solarized (the palettes' published values).
 */
import type { EditorTheme } from '@workcell/protocol';
import type * as Monaco from 'monaco-editor/editor';

type ThemeData = Monaco.editor.IStandaloneThemeData;

const monokai: ThemeData = {
  base: 'vs-dark',
  inherit: true,
  rules: [
    { token: '', foreground: 'f8f8f2', background: '272822' },
    { token: 'comment', foreground: '88846f', fontStyle: 'italic' },
    { token: 'keyword', foreground: 'f92672' },
    { token: 'string', foreground: 'e6db74' },
    { token: 'string.escape', foreground: 'ae81ff' },
    { token: 'number', foreground: 'ae81ff' },
    { token: 'type', foreground: '66d9ef', fontStyle: 'italic' },
    { token: 'identifier', foreground: 'f8f8f2' },
    { token: 'delimiter', foreground: 'f8f8f2' },
    { token: 'operator', foreground: 'f92672' },
    { token: 'tag', foreground: 'a6e22e' },
    { token: 'attribute.name', foreground: 'a6e22e' },
  ],
  colors: {
    'editor.background': '#272822',
    'editor.foreground': '#f8f8f2',
    'editor.lineHighlightBackground': '#3e3d32',
    'editor.selectionBackground': '#49483e',
    'editorCursor.foreground': '#f8f8f0',
    'editorWhitespace.foreground': '#464741',
    'editorLineNumber.foreground': '#90908a',
    'editorIndentGuide.background1': '#464741',
  },
};

/** Solarized's sixteen colours, shared by the dark and light variants. */
const sol = {
  base03: '002b36',
  base02: '073642',
  base01: '586e75',
  base00: '657b83',
  base0: '839496',
  base1: '93a1a1',
  base2: 'eee8d5',
  base3: 'fdf6e3',
  yellow: 'b58900',
  orange: 'cb4b16',
  red: 'dc322f',
  magenta: 'd33682',
  violet: '6c71c4',
  blue: '268bd2',
  cyan: '2aa198',
  green: '859900',
};

function solarized(dark: boolean): ThemeData {
  const fg = dark ? sol.base0 : sol.base00;
  const bg = dark ? sol.base03 : sol.base3;
  const highlight = dark ? sol.base02 : sol.base2;
  const muted = dark ? sol.base01 : sol.base1;
  return {
    base: dark ? 'vs-dark' : 'vs',
    inherit: true,
    rules: [
      { token: '', foreground: fg, background: bg },
      { token: 'comment', foreground: muted, fontStyle: 'italic' },
      { token: 'keyword', foreground: sol.green },
      { token: 'string', foreground: sol.cyan },
      { token: 'string.escape', foreground: sol.red },
      { token: 'number', foreground: sol.magenta },
      { token: 'type', foreground: sol.yellow },
      { token: 'identifier', foreground: fg },
      { token: 'delimiter', foreground: fg },
      { token: 'operator', foreground: sol.green },
      { token: 'tag', foreground: sol.blue },
      { token: 'attribute.name', foreground: sol.yellow },
    ],
    colors: {
      'editor.background': `#${bg}`,
      'editor.foreground': `#${fg}`,
      'editor.lineHighlightBackground': `#${highlight}`,
      'editor.selectionBackground': dark ? '#274642' : '#e4dcc4',
      'editorCursor.foreground': `#${dark ? sol.base1 : sol.base01}`,
      'editorLineNumber.foreground': `#${muted}`,
      'editorWhitespace.foreground': `#${highlight}`,
    },
  };
}

/** Monaco's theme name for an app theme. */
export function monacoTheme(theme: EditorTheme): string {
  switch (theme) {
    case 'light':
      return 'vs';
    case 'high-contrast':
      return 'hc-black';
    case 'monokai':
      return 'workcell-monokai';
    case 'solarized-dark':
      return 'workcell-solarized-dark';
    case 'solarized-light':
      return 'workcell-solarized-light';
    case 'dark':
      return 'vs-dark';
  }
}

export function defineThemes(monaco: typeof Monaco): void {
  monaco.editor.defineTheme('workcell-monokai', monokai);
  monaco.editor.defineTheme('workcell-solarized-dark', solarized(true));
  monaco.editor.defineTheme('workcell-solarized-light', solarized(false));
}
