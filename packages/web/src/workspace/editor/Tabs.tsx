/**
 * The open files as a tablist: arrows, Home and End move between tabs, Delete closes one,
 * a middle click or the × closes it too; ● marks unsaved edits, a lock a read-only library file.
 * Tabs can be dragged within the strip and onto another group's strip.
 */
import { useRef } from 'react';

import type { DocView } from './docs';
import { carriesTab, droppedTab, startTabDrag, type DraggedTab } from './groups/tabDrag';
import { baseName } from './paths';

export interface TabsProps {
  tabs: DocView[];
  active: string | undefined;
  panelId: string;
  /** Tabs that show a library file, by tab key: read-only, never saved. */
  readOnly?: ReadonlyMap<string, { doc: { path: string } }>;
  onActivate: (path: string) => void;
  onClose: (path: string) => void;
  /** The tab list's name: "Open files", or the group's when there are two. */
  label?: string;
  /** Tabs named otherwise than by their file (comparisons), by key. */
  names?: ReadonlyMap<string, string>;
  /** The group this strip belongs to, told to the group a tab is dropped on. */
  group?: number;
  /** A tab dropped here, before `before` (at the end when undefined). */
  onDropTab?: (tab: DraggedTab, before: string | undefined) => void;
}

/** Names that appear twice get their folder added so the tabs can be told apart. */
function labels(paths: string[]): Map<string, string> {
  const counts = new Map<string, number>();
  for (const path of paths) counts.set(baseName(path), (counts.get(baseName(path)) ?? 0) + 1);
  return new Map(
    paths.map((path) => {
      const name = baseName(path);
      if ((counts.get(name) ?? 0) < 2) return [path, name];
      const folder = path.slice(0, -name.length - 1);
      return [path, `${name} — ${folder || '/'}`];
    }),
  );
}

export function Tabs({
  tabs,
  active,
  panelId,
  readOnly,
  onActivate,
  onClose,
  label = 'Open files',
  names: specialNames,
  group = 0,
  onDropTab,
}: TabsProps) {
  const list = useRef<HTMLDivElement>(null);
  const names = labels(tabs.map((tab) => tab.path));
  for (const [key, name] of specialNames ?? []) names.set(key, name);

  const allowDrop = (event: React.DragEvent) => {
    if (!onDropTab || !carriesTab(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
  };
  const drop = (event: React.DragEvent, before: string | undefined) => {
    const tab = droppedTab(event);
    if (!onDropTab || !tab) return;
    event.preventDefault();
    event.stopPropagation();
    onDropTab(tab, before);
  };

  const focusTab = (index: number) => {
    const tab = tabs[(index + tabs.length) % tabs.length];
    if (!tab) return;
    onActivate(tab.path);
    list.current?.querySelectorAll<HTMLElement>('[role="tab"]')[tabs.indexOf(tab)]?.focus();
  };

  const onKeyDown = (event: React.KeyboardEvent, index: number, path: string) => {
    switch (event.key) {
      case 'ArrowRight':
        focusTab(index + 1);
        break;
      case 'ArrowLeft':
        focusTab(index - 1);
        break;
      case 'Home':
        focusTab(0);
        break;
      case 'End':
        focusTab(tabs.length - 1);
        break;
      case 'Delete':
        onClose(path);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  return (
    <div
      ref={list}
      role="tablist"
      aria-label={label}
      className="editor-tabs"
      onDragOver={allowDrop}
      onDrop={(event) => drop(event, undefined)}
    >
      {tabs.map((tab, index) => {
        const selected = tab.path === active;
        const name = names.get(tab.path) ?? tab.path;
        const library = readOnly?.get(tab.path)?.doc.path;
        const state = library
          ? ' (library, read-only)'
          : tab.deletedOnDisk
            ? ' (deleted on disk)'
            : tab.dirty
              ? ' (unsaved)'
              : tab.save === 'conflict'
                ? ' (conflict)'
                : '';
        return (
          <button
            key={tab.path}
            type="button"
            role="tab"
            aria-selected={selected}
            aria-controls={panelId}
            aria-keyshortcuts="Delete"
            tabIndex={selected ? 0 : -1}
            title={`${library ?? specialNames?.get(tab.path) ?? tab.path}${state}. Close: middle click, Delete or Alt+W`}
            className={`editor-tab${selected ? ' active' : ''}${tab.deletedOnDisk ? ' deleted' : ''}`}
            onClick={() => onActivate(tab.path)}
            draggable
            onDragStart={(event) => startTabDrag(event, { key: tab.path, group })}
            onDragOver={allowDrop}
            onDrop={(event) => drop(event, tab.path)}
            onKeyDown={(event) => onKeyDown(event, index, tab.path)}
            onMouseDown={(event) => {
              // Keeps the middle button from starting autoscroll.
              if (event.button === 1) event.preventDefault();
            }}
            onAuxClick={(event) => {
              if (event.button === 1) onClose(tab.path);
            }}
          >
            {library && (
              <span className="editor-tab-lock codicon codicon-lock" aria-hidden="true" />
            )}
            <span className="editor-tab-name">{name}</span>
            {state && <span className="visually-hidden">{state}</span>}
            <span
              className={`editor-tab-dirty${tab.dirty || tab.save === 'conflict' ? '' : ' clean'}`}
              aria-hidden="true"
            >
              ●
            </span>
            {/* Mouse only: a button inside a tab is not allowed; keyboard users press Delete. */}
            <span
              className="editor-tab-close"
              aria-hidden="true"
              title={`Close ${name}`}
              onClick={(event) => {
                event.stopPropagation();
                onClose(tab.path);
              }}
            >
              ×
            </span>
          </button>
        );
      })}
    </div>
  );
}
