/**
 * The inline name field of the tree (new file, new folder, rename), like VS Code's: Enter
 * submits, Escape cancels, leaving the field submits a valid name and cancels otherwise.
 * Errors (invalid name, already exists) show right under it.
 */
import { useEffect, useId, useRef, useState } from 'react';

export interface NameInputProps {
  label: string;
  initial: string;
  /** Why the name cannot be used, checked as the user types (undefined: fine). */
  validate: (name: string) => string | undefined;
  /** Resolves to an error to show, or undefined when done. */
  onSubmit: (name: string) => Promise<string | undefined>;
  onCancel: () => void;
}

export function NameInput({ label, initial, validate, onSubmit, onCancel }: NameInputProps) {
  const [value, setValue] = useState(initial);
  const [serverError, setServerError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const busyNow = useRef(false);
  const input = useRef<HTMLInputElement>(null);
  const errorId = useId();
  const finished = useRef(false);
  const error = serverError ?? (value.trim() && value !== initial ? validate(value) : undefined);

  useEffect(() => {
    const element = input.current;
    if (!element) return;
    element.focus();
    // Like VS Code: a rename selects the name without its extension.
    const dot = initial.lastIndexOf('.');
    element.setSelectionRange(0, dot > 0 ? dot : initial.length);
  }, [initial]);

  const submit = async (fromBlur: boolean) => {
    if (busyNow.current || finished.current) return;
    const problem = value.trim() ? validate(value) : 'Give a name.';
    if (value.trim() === initial.trim() && initial) {
      finished.current = true;
      onCancel();
      return;
    }
    if (problem) {
      if (fromBlur) {
        finished.current = true;
        onCancel();
      } else setServerError(problem);
      return;
    }
    busyNow.current = true;
    setBusy(true);
    const failure = await onSubmit(value.trim());
    busyNow.current = false;
    setBusy(false);
    if (failure) {
      setServerError(failure);
      input.current?.focus();
    } else finished.current = true;
  };

  return (
    <span className="name-input">
      <input
        ref={input}
        className={error ? 'invalid' : undefined}
        aria-label={label}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        value={value}
        readOnly={busy}
        aria-busy={busy || undefined}
        spellCheck={false}
        autoComplete="off"
        onChange={(event) => {
          setValue(event.target.value);
          setServerError(undefined);
        }}
        onKeyDown={(event) => {
          event.stopPropagation();
          if (event.key === 'Enter') {
            event.preventDefault();
            void submit(false);
          } else if (event.key === 'Escape') {
            event.preventDefault();
            finished.current = true;
            onCancel();
          }
        }}
        onBlur={() => {
          // A failed submit leaves the field open with its error; blurring then gives up.
          if (serverError) {
            finished.current = true;
            onCancel();
          } else void submit(true);
        }}
        onClick={(event) => event.stopPropagation()}
      />
      {error && (
        <span id={errorId} role="alert" className="name-input-error">
          {error}
        </span>
      )}
    </span>
  );
}
