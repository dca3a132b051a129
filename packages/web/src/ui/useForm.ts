/**
 * State of a small form of text fields: values, which fields the user has left, and errors.
 * A field's error shows once the user has edited and left it, or tried to submit: not while
 * they type its first characters, and not for merely tabbing through an untouched field
 * (the message appearing there would also shift whatever they were about to click).
 * Errors from the server show until that field is edited.
 */
import { useCallback, useState } from 'react';

/** Each field's check, given its value and (for fields like "confirm") all the values. */
export type Validators<K extends string> = Record<
  K,
  (value: string, values: Record<K, string>) => string | undefined
>;

/** Moves focus to the form's control named `name` (to the first field with an error). */
export function focusField(form: HTMLFormElement, name: string): void {
  const control = form.elements.namedItem(name);
  if (control instanceof HTMLElement) control.focus();
}

export interface FormState<K extends string> {
  values: Record<K, string>;
  /** The error to show under each field now. */
  errors: Partial<Record<K, string>>;
  /** True when no field has a client-side error (shown or not). */
  valid: boolean;
  setValue: (field: K, value: string) => void;
  blur: (field: K) => void;
  /**
   * Marks the form submitted, so every error shows. Answers the first field with an error
   * (to move focus there), or undefined when the form may be sent.
   */
  trySubmit: () => K | undefined;
  /** An error the server gave for a field; cleared when the field changes. */
  setServerError: (field: K, message: string) => void;
}

export function useForm<K extends string>(
  initial: Record<K, string>,
  validators: Validators<K>,
): FormState<K> {
  const [values, setValues] = useState(initial);
  /** Fields edited since the form was shown, and fields edited and then left. */
  const [dirty, setDirty] = useState<Partial<Record<K, boolean>>>({});
  const [touched, setTouched] = useState<Partial<Record<K, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Partial<Record<K, string>>>({});

  const fields = Object.keys(initial) as K[];
  const clientErrors: Partial<Record<K, string>> = {};
  for (const field of fields) {
    const error = validators[field](values[field], values);
    if (error !== undefined) clientErrors[field] = error;
  }

  const errors: Partial<Record<K, string>> = {};
  for (const field of fields) {
    const shown = (submitted || touched[field]) && clientErrors[field];
    const error = shown || serverErrors[field];
    if (error) errors[field] = error;
  }

  const setValue = useCallback((field: K, value: string) => {
    setValues((current) => ({ ...current, [field]: value }));
    setDirty((current) => (current[field] ? current : { ...current, [field]: true }));
    setServerErrors((current) =>
      current[field] === undefined ? current : { ...current, [field]: undefined },
    );
  }, []);
  const blur = useCallback(
    (field: K) => {
      if (!dirty[field]) return;
      setTouched((current) => (current[field] ? current : { ...current, [field]: true }));
    },
    [dirty],
  );
  const firstInvalid = fields.find((field) => clientErrors[field] !== undefined);
  const trySubmit = () => {
    setSubmitted(true);
    return firstInvalid;
  };
  const setServerError = useCallback((field: K, message: string) => {
    setServerErrors((current) => ({ ...current, [field]: message }));
  }, []);

  return {
    values,
    errors,
    valid: firstInvalid === undefined,
    setValue,
    blur,
    trySubmit,
    setServerError,
  };
}
