import type { FormState } from './useForm';

/** The props that tie a `TextField` to a `useForm` field; `onEdit` also runs on each change. */
export function fieldProps<K extends string>(form: FormState<K>, name: K, onEdit?: () => void) {
  return {
    name,
    value: form.values[name],
    error: form.errors[name],
    onChange: (event: React.ChangeEvent<HTMLInputElement>) => {
      form.setValue(name, event.target.value);
      onEdit?.();
    },
    onBlur: () => form.blur(name),
  };
}
