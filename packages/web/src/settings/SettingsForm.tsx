/**
 * The editor settings: theme, vim mode, font size, tab size, autosave. Each change applies
 * at once and is saved to the server; a number out of range shows an error and is not sent.
 * Used on the profile page and in the workspace's settings dialog.
 */
import { editorTheme, userSettings, type EditorTheme, type UserSettings } from '@workcell/protocol';
import { useId, useState } from 'react';

import { ApiError } from '../api/client';
import { Alert } from '../ui/Alert';
import { TextField } from '../ui/TextField';
import { useSettings } from './settings';
import { themeLabels } from './themes';
import './SettingsForm.css';

type NumberSetting = 'fontSize' | 'tabSize';

const numberFields: Record<NumberSetting, { label: string; min: number; max: number }> = {
  fontSize: { label: 'Font size', min: 8, max: 40 },
  tabSize: { label: 'Tab size', min: 1, max: 8 },
};

export function SettingsForm() {
  const { settings, update } = useSettings();
  const [saveError, setSaveError] = useState<string>();
  const themeId = useId();

  const save = (patch: Partial<UserSettings>) => {
    update(patch).then(
      () => setSaveError(undefined),
      (error: unknown) =>
        setSaveError(
          error instanceof ApiError && error.code === 'NETWORK'
            ? 'Your settings could not be saved: the server cannot be reached.'
            : `Your settings could not be saved: ${error instanceof Error ? error.message : String(error)}`,
        ),
    );
  };

  return (
    <form className="settings-form" onSubmit={(event) => event.preventDefault()} noValidate>
      {saveError && <Alert>{saveError}</Alert>}
      <div className="field">
        <label htmlFor={themeId} className="field-label">
          Theme
        </label>
        <select
          id={themeId}
          className="input"
          value={settings.theme}
          onChange={(event) => save({ theme: event.target.value as EditorTheme })}
        >
          {editorTheme.options.map((theme) => (
            <option key={theme} value={theme}>
              {themeLabels[theme]}
            </option>
          ))}
        </select>
      </div>
      <div className="settings-numbers">
        {(Object.keys(numberFields) as NumberSetting[]).map((key) => (
          <NumberField
            key={key}
            setting={key}
            value={settings[key]}
            onValid={(value) => save({ [key]: value })}
          />
        ))}
      </div>
      <Checkbox
        label="Vim mode"
        hint="Vim key bindings in the editor."
        checked={settings.vimMode}
        onChange={(checked) => save({ vimMode: checked })}
      />
      <Checkbox
        label="Autosave"
        hint="Saves a file shortly after you stop typing."
        checked={settings.autosave}
        onChange={(checked) => save({ autosave: checked })}
      />
    </form>
  );
}

function Checkbox(props: {
  label: string;
  hint: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  const hintId = useId();
  return (
    <div className="settings-checkbox">
      <label className="checkbox">
        <input
          type="checkbox"
          checked={props.checked}
          aria-describedby={hintId}
          onChange={(event) => props.onChange(event.target.checked)}
        />
        {props.label}
      </label>
      <p id={hintId} className="field-hint">
        {props.hint}
      </p>
    </div>
  );
}

/**
 * A whole number in a range. What the user types is kept as text until it is valid, so
 * "1" on the way to "16" is not sent; the error shows once they leave the field.
 */
function NumberField({
  setting,
  value,
  onValid,
}: {
  setting: NumberSetting;
  value: number;
  onValid: (value: number) => void;
}) {
  const { label, min, max } = numberFields[setting];
  // Undefined: show the saved value (also when it arrives from the server later).
  const [draft, setDraft] = useState<string>();
  const [left, setLeft] = useState(false);
  const text = draft ?? String(value);
  const parsed = text.trim() === '' ? NaN : Number(text);
  const valid = userSettings.shape[setting].safeParse(parsed).success;
  const error = valid ? undefined : `Use a whole number from ${min} to ${max}.`;

  return (
    <TextField
      label={label}
      type="number"
      inputMode="numeric"
      min={min}
      max={max}
      step={1}
      value={text}
      error={left ? error : undefined}
      onChange={(event) => {
        const next = event.target.value;
        setDraft(next);
        const number = next.trim() === '' ? NaN : Number(next);
        if (userSettings.shape[setting].safeParse(number).success && number !== value)
          onValid(number);
      }}
      onBlur={() => {
        setLeft(true);
        if (valid) setDraft(undefined);
      }}
      onKeyDown={(event) => {
        if (event.key === 'Enter') setLeft(true);
      }}
    />
  );
}
