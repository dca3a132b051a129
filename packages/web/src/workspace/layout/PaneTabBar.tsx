/** A phone's way between the workspace's panes: a tab bar along the bottom of the screen. */
export type Pane = 'files' | 'editor' | 'terminal';

const PANES: { pane: Pane; label: string; icon: string }[] = [
  { pane: 'files', label: 'Files', icon: '☰' },
  { pane: 'editor', label: 'Editor', icon: '✎' },
  { pane: 'terminal', label: 'Terminal', icon: '>_' },
];

export function PaneTabBar({ pane, onPane }: { pane: Pane; onPane: (pane: Pane) => void }) {
  return (
    <nav className="pane-tab-bar" aria-label="Panes">
      {PANES.map((item) => (
        <button
          key={item.pane}
          type="button"
          aria-pressed={item.pane === pane}
          onClick={() => onPane(item.pane)}
        >
          <span className="pane-tab-icon" aria-hidden="true">
            {item.icon}
          </span>
          {item.label}
        </button>
      ))}
    </nav>
  );
}
