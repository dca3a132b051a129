/**
 * A modal dialog on the native <dialog> element: focus is trapped and restored by the
 * browser, Escape closes it, and it is labelled by its title for screen readers.
 */
import { useEffect, useId, useRef } from 'react';

export interface DialogProps {
  title: string;
  open: boolean;
  onClose: () => void;
  children: React.ReactNode;
  /** Buttons along the bottom. */
  actions?: React.ReactNode;
  wide?: boolean;
}

export function Dialog({ title, open, onClose, children, actions, wide }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  const opener = useRef<Element | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement;
      dialog.showModal();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);

  useEffect(() => {
    const dialog = ref.current;
    return () => {
      // Unmounted while open (its owner was removed): the browser only hands focus back on
      // close(), so a keyboard user would be left on <body>.
      const back = opener.current;
      if (dialog?.open && back instanceof HTMLElement && back.isConnected) back.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className={wide ? 'dialog wide' : 'dialog'}
      aria-labelledby={titleId}
      onClose={onClose}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      {open && (
        <>
          <h2 id={titleId} className="dialog-title">
            {title}
          </h2>
          <div className="dialog-body">{children}</div>
          {actions && <div className="dialog-actions">{actions}</div>}
        </>
      )}
    </dialog>
  );
}

export interface ConfirmDialogProps {
  title: string;
  open: boolean;
  message: React.ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  return (
    <Dialog
      title={props.title}
      open={props.open}
      onClose={props.onCancel}
      actions={
        <>
          <button type="button" className="button" onClick={props.onCancel} autoFocus>
            Cancel
          </button>
          <button
            type="button"
            className={props.danger ? 'button danger' : 'button primary'}
            onClick={props.onConfirm}
          >
            {props.confirmLabel}
          </button>
        </>
      }
    >
      {props.message}
    </Dialog>
  );
}
