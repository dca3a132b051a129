/** The questions an upload asks: replace an existing file, and extract a zip or keep it. */
import { Dialog } from '../../ui/Dialog';
import type { ReplaceChoice, ZipChoice } from './upload';

export type UploadPrompt =
  | { kind: 'replace'; path: string; resolve: (choice: ReplaceChoice) => void }
  | { kind: 'zip'; name: string; folder: string; resolve: (choice: ZipChoice) => void };

export function UploadPrompts({
  prompt,
  onAnswer,
}: {
  prompt: UploadPrompt | undefined;
  /** Closes the prompt and gives it the choice. */
  onAnswer: (choose: (prompt: UploadPrompt) => void) => void;
}) {
  return (
    <>
      <Dialog
        title="Replace file?"
        open={prompt?.kind === 'replace'}
        onClose={() => onAnswer((p) => p.kind === 'replace' && p.resolve('skip'))}
        actions={
          <>
            <button
              type="button"
              className="button"
              onClick={() => onAnswer((p) => p.kind === 'replace' && p.resolve('skip'))}
            >
              Skip
            </button>
            <button
              type="button"
              className="button"
              onClick={() => onAnswer((p) => p.kind === 'replace' && p.resolve('replace-all'))}
            >
              Replace all
            </button>
            <button
              type="button"
              className="button primary"
              autoFocus
              onClick={() => onAnswer((p) => p.kind === 'replace' && p.resolve('replace'))}
            >
              Replace
            </button>
          </>
        }
      >
        {prompt?.kind === 'replace' && (
          <p>
            Replace <strong>{prompt.path}</strong>? A file with that name already exists; its
            current content stays in its history.
          </p>
        )}
      </Dialog>

      <Dialog
        title="Extract zip here?"
        open={prompt?.kind === 'zip'}
        onClose={() => onAnswer((p) => p.kind === 'zip' && p.resolve('skip'))}
        actions={
          <>
            <button
              type="button"
              className="button"
              onClick={() => onAnswer((p) => p.kind === 'zip' && p.resolve('skip'))}
            >
              Cancel
            </button>
            <button
              type="button"
              className="button"
              onClick={() => onAnswer((p) => p.kind === 'zip' && p.resolve('file'))}
            >
              Upload as file
            </button>
            <button
              type="button"
              className="button primary"
              autoFocus
              onClick={() => onAnswer((p) => p.kind === 'zip' && p.resolve('extract'))}
            >
              Extract
            </button>
          </>
        }
      >
        {prompt?.kind === 'zip' && (
          <p>
            <strong>{prompt.name}</strong> is a zip archive. Extract its files into{' '}
            {prompt.folder ? <strong>{prompt.folder}</strong> : 'the workspace'}, or upload the zip
            file itself?
          </p>
        )}
      </Dialog>
    </>
  );
}
