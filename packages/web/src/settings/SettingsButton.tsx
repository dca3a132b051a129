/** Placeholder: opens the editor settings dialog. */
export function SettingsButton() {
  return null;
}
