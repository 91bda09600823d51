import React, { type ComponentProps, type FormEvent, type ReactElement, type ReactNode } from 'react';
import { Field, Input, Stack, TextArea } from '@grafana/ui';
import type { ApiError } from '../../api';
import { ApiErrorAlert } from '../ApiErrorAlert/ApiErrorAlert';

/** What a text field shows around its control: the Field's label, help text and validation message. */
interface TextFieldFrameProps {
  label: ReactNode;
  description?: ReactNode;
  /** Marks the field as invalid; the Field passes it on to the control. */
  invalid?: boolean;
  /** The validation message under the control. */
  error?: ReactNode;
  /** The Field's class, e.g. to drop its bottom margin in a row of filters. */
  className?: string;
  /** The control's id, which the label points at. */
  id: string;
  value: string;
  /** The text as typed, so that forms keep plain strings in their state. */
  onChange: (value: string) => void;
  'data-testid'?: string;
}

type InputProps = Omit<ComponentProps<typeof Input>, keyof TextFieldFrameProps>;
type TextAreaProps = Omit<ComponentProps<typeof TextArea>, keyof TextFieldFrameProps>;

export type TextInputFieldProps = TextFieldFrameProps & InputProps;
export type TextAreaFieldProps = TextFieldFrameProps & TextAreaProps;

/** The props only the Field takes; the control gets all others. */
type FieldOnlyKey = 'label' | 'description' | 'invalid' | 'error' | 'className' | 'onChange';

/**
 * The Field around a text control: the frame's props go to the Field, the rest to the control, which hands its text
 * to `onChange`.
 */
function renderTextField<P extends TextFieldFrameProps>(
  { label, description, invalid, error, className, onChange, ...control }: P,
  renderControl: (
    control: Omit<P, FieldOnlyKey> & { onChange: (e: FormEvent<HTMLInputElement | HTMLTextAreaElement>) => void }
  ) => ReactElement
) {
  const onTextChange = (e: FormEvent<HTMLInputElement | HTMLTextAreaElement>) => onChange(e.currentTarget.value);
  return (
    <Field label={label} description={description} invalid={invalid} error={error} className={className}>
      {renderControl({ ...control, onChange: onTextChange })}
    </Field>
  );
}

/** A labelled single-line text input; every other prop (width, maxLength, placeholder…) goes to the Input. */
export function TextInputField(props: TextInputFieldProps) {
  return renderTextField(props, (control) => <Input {...control} />);
}

/** A labelled multi-line text area; every other prop (rows, maxLength…) goes to the TextArea. */
export function TextAreaField(props: TextAreaFieldProps) {
  return renderTextField(props, (control) => <TextArea {...control} />);
}

interface FormActionsProps {
  /** The last failed submit, shown above the buttons; none when null. */
  error: ApiError | null;
  errorTitle: string;
  errorTestId: string;
  /** The space between the error and the buttons, in theme spacing units. */
  gap?: ComponentProps<typeof Stack>['gap'];
  /** The form's buttons and any status next to them. */
  children: ReactNode;
}

/** The foot of a form: why the last submit failed, then the buttons, aligned to the start. */
export function FormActions({ error, errorTitle, errorTestId, gap = 2, children }: FormActionsProps) {
  return (
    <Stack direction="column" gap={gap} alignItems="flex-start">
      {error && <ApiErrorAlert title={errorTitle} error={error} data-testid={errorTestId} />}
      {children}
    </Stack>
  );
}
