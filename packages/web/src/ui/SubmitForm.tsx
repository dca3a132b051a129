/**
 * A form checked by the page rather than the browser (its messages say more), with the
 * form-level failure over its fields.
 */
import { Alert } from './Alert';

export type SubmitFormProps = Omit<React.ComponentProps<'form'>, 'onSubmit' | 'noValidate'> & {
  failure: string | undefined;
  onSubmit: (form: HTMLFormElement) => void;
};

export function SubmitForm({ failure, onSubmit, children, ...form }: SubmitFormProps) {
  return (
    <form
      {...form}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit(event.currentTarget);
      }}
    >
      {failure && <Alert>{failure}</Alert>}
      {children}
    </form>
  );
}
