/** Every shortcut, grouped by what it acts on, with a filter by name, category or key. */
import { useId, useState } from 'react';

import { Dialog } from '../../ui/Dialog';
import { currentPlatform, type Platform } from './keybinding';
import {
  byCategory,
  SHORTCUT_REFERENCE,
  shortcutLabels,
  type ShortcutEntry,
} from './shortcutReference';
import './KeyboardShortcutsDialog.css';

export interface KeyboardShortcutsDialogProps {
  open: boolean;
  onClose: () => void;
  entries?: readonly ShortcutEntry[];
  platform?: Platform;
}

export function KeyboardShortcutsDialog({
  open,
  onClose,
  entries = SHORTCUT_REFERENCE,
  platform = currentPlatform(),
}: KeyboardShortcutsDialogProps) {
  const [filter, setFilter] = useState('');
  const filterId = useId();
  const wanted = filter.trim().toLowerCase();
  const shown = entries.filter((entry) =>
    [entry.title, entry.category, ...shortcutLabels(entry, platform)].some((text) =>
      text.toLowerCase().includes(wanted),
    ),
  );
  const close = () => {
    setFilter('');
    onClose();
  };

  return (
    <Dialog
      title="Keyboard shortcuts"
      open={open}
      onClose={close}
      wide
      actions={
        <button type="button" className="button primary" onClick={close}>
          Done
        </button>
      }
    >
      <label htmlFor={filterId} className="shortcuts-filter-label">
        Filter shortcuts
      </label>
      <input
        id={filterId}
        className="shortcuts-filter"
        // Not type="search": Chromium spends Escape there on clearing it, not closing the dialog.
        type="text"
        value={filter}
        onChange={(event) => setFilter(event.target.value)}
        placeholder="Name or key, e.g. terminal or F5"
        autoComplete="off"
      />
      {shown.length === 0 && <p role="status">No shortcut matches “{filter}”.</p>}
      {byCategory(shown).map(([category, group]) => (
        <table key={category} className="shortcuts-table">
          <caption>{category}</caption>
          <tbody>
            {group.map((entry) => (
              <tr key={entry.title}>
                <th scope="row">{entry.title}</th>
                <td>
                  {shortcutLabels(entry, platform).map((label, i) => (
                    <span key={label}>
                      {i > 0 && ' or '}
                      <kbd>{label}</kbd>
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </Dialog>
  );
}
