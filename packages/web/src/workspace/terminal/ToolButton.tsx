/**
 * The buttons of the run controls and of the terminal panel's toolbar: a symbol or an icon
 * named by `label` (for screen readers) with its tooltip, and the Stop button both have.
 */
import type { ReactNode } from 'react';

export interface ToolButtonProps {
  /** The name, when the content is a symbol or an icon rather than words. */
  label?: string;
  title: string;
  className: string;
  disabled?: boolean;
  /** A toggle's state. */
  pressed?: boolean;
  onClick: () => void;
  children: ReactNode;
}

export function ToolButton({
  label,
  title,
  className,
  disabled,
  pressed,
  onClick,
  children,
}: ToolButtonProps) {
  return (
    <button
      type="button"
      className={className}
      aria-label={label}
      aria-pressed={pressed}
      title={title}
      disabled={disabled}
      onClick={onClick}
    >
      {children}
    </button>
  );
}

/** Stops the run: SIGINT, then SIGKILL for what is left after 2 s. */
export function StopButton(props: { className: string; running: boolean; onStop: () => void }) {
  return (
    <ToolButton
      label="Stop"
      title="Stop the run (Ctrl+C, then kill after 2 s)"
      className={props.className}
      disabled={!props.running}
      onClick={props.onStop}
    >
      ■
    </ToolButton>
  );
}
