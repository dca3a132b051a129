/**
 * Keybindings written once, as "Mod+Shift+P", and read two ways: a matcher for keydown
 * events and a label for people. "Mod" is Ctrl on Linux and Windows and ⌘ on macOS, as in
 * VS Code, so one list of bindings serves every platform.
 */
export type Platform = 'mac' | 'other';

export function currentPlatform(): Platform {
  const nav = navigator as Navigator & { userAgentData?: { platform?: string } };
  const name = nav.userAgentData?.platform ?? nav.platform;
  return /mac|iphone|ipad/i.test(name) ? 'mac' : 'other';
}

type Modifier = 'Mod' | 'Ctrl' | 'Shift' | 'Alt';
const MODIFIERS: readonly Modifier[] = ['Mod', 'Ctrl', 'Shift', 'Alt'];

interface Parsed {
  modifiers: ReadonlySet<Modifier>;
  key: string;
}

function parse(binding: string): Parsed {
  const parts = binding.split('+');
  // "Mod+\\" and "Mod+=" have no '+' key to confuse; a trailing "+" would, and none is used.
  const key = parts.pop();
  if (!key) throw new Error(`keybinding without a key: ${binding}`);
  const modifiers = new Set<Modifier>();
  for (const part of parts) {
    if (!MODIFIERS.includes(part as Modifier)) throw new Error(`unknown modifier in ${binding}`);
    modifiers.add(part as Modifier);
  }
  return { modifiers, key };
}

export interface KeyEventLike {
  key: string;
  code: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** Punctuation whose `key` changes with Shift or the layout: matched by its physical key. */
const BY_CODE: Readonly<Record<string, string>> = { '`': 'Backquote', '\\': 'Backslash' };

function keyMatches(key: string, event: KeyEventLike): boolean {
  const code = BY_CODE[key];
  if (code) return event.code === code;
  if (/^[A-Z]$/.test(key))
    // Alt+letter types a symbol on macOS (Alt+W is ∑); the physical key still says W.
    return event.key.toUpperCase() === key || (event.altKey && event.code === `Key${key}`);
  return event.key === key;
}

export function matchesKeybinding(
  binding: string,
  event: KeyEventLike,
  platform: Platform,
): boolean {
  const { modifiers, key } = parse(binding);
  const mod = modifiers.has('Mod');
  const wantCtrl = modifiers.has('Ctrl') || (mod && platform === 'other');
  const wantMeta = mod && platform === 'mac';
  return (
    event.ctrlKey === wantCtrl &&
    event.metaKey === wantMeta &&
    event.shiftKey === modifiers.has('Shift') &&
    event.altKey === modifiers.has('Alt') &&
    keyMatches(key, event)
  );
}

const MAC_SYMBOLS: Readonly<Record<Modifier, string>> = {
  Ctrl: '⌃',
  Alt: '⌥',
  Shift: '⇧',
  Mod: '⌘',
};

/** "Ctrl+Shift+P" on Linux and Windows, "⇧⌘P" on macOS (in Apple's modifier order). */
export function keybindingLabel(binding: string, platform: Platform): string {
  const { modifiers, key } = parse(binding);
  if (platform === 'mac') {
    const order: readonly Modifier[] = ['Ctrl', 'Alt', 'Shift', 'Mod'];
    return (
      order
        .filter((m) => modifiers.has(m))
        .map((m) => MAC_SYMBOLS[m])
        .join('') + key
    );
  }
  const order: readonly Modifier[] = ['Mod', 'Ctrl', 'Shift', 'Alt'];
  const names = order.filter((m) => modifiers.has(m)).map((m) => (m === 'Mod' ? 'Ctrl' : m));
  return [...new Set(names), key].join('+');
}
