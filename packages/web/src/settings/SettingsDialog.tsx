/** The editor settings in a dialog: from the workspace toolbar's gear and the account menu. */
import { Dialog } from '../ui/Dialog';
import { SettingsForm } from './SettingsForm';
import './SettingsDialog.css';

export function SettingsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog
      title="Editor settings"
      open={open}
      onClose={onClose}
      actions={
        <button type="button" className="button primary" onClick={onClose}>
          Done
        </button>
      }
    >
      <p className="settings-dialog-note">
        Changes apply at once and follow you to every browser you sign in from.
      </p>
      <SettingsForm />
    </Dialog>
  );
}
