/** "Compare with…": the open files to compare one with, as a list of buttons in a dialog. */
import { Dialog } from '../../../ui/Dialog';

export interface ComparePickerProps {
  path: string;
  /** The other open text files. */
  candidates: readonly string[];
  onPick: (other: string) => void;
  onClose: () => void;
}

export function ComparePicker({ path, candidates, onPick, onClose }: ComparePickerProps) {
  return (
    <Dialog open title={`Compare ${path} with…`} onClose={onClose}>
      {candidates.length === 0 ? (
        <p>Open another file to compare it with this one.</p>
      ) : (
        <ul className="compare-picker" aria-label="Open files">
          {candidates.map((other) => (
            <li key={other}>
              <button type="button" className="button" onClick={() => onPick(other)}>
                {other}
              </button>
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}
