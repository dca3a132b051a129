/**
 * An upload's progress, the questions it asks (replace an existing file? extract a zip?)
 * as dialogs, and the hook that turns each question into a promise the upload awaits.
 */
import { useState } from 'react';

import { Dialog } from '../../ui/Dialog';
import type { ReplaceChoice, UploadProgress, ZipChoice } from './upload';

export type UploadPrompt =
  | { kind: 'replace'; path: string; resolve: (choice: ReplaceChoice) => void }
  | { kind: 'zip'; name: string; folder: string; resolve: (choice: ZipChoice) => void };

export function usePrompts() {
  const [prompt, setPrompt] = useState<UploadPrompt>();
  const ask = <T,>(make: (resolve: (choice: T) => void) => UploadPrompt) =>
    new Promise<T>((resolve) => setPrompt(make(resolve)));
  const answer = (choose: (prompt: UploadPrompt) => void) => {
    if (!prompt) return;
    const current = prompt;
    setPrompt((open) => (open === current ? undefined : open));
    choose(current);
  };
  return { prompt, ask, answer };
}

type Answer = (choose: (prompt: UploadPrompt) => void) => void;

export function UploadPrompts({
  prompt,
  answer,
}: {
  prompt: UploadPrompt | undefined;
  answer: Answer;
}) {
  const replace = (choice: ReplaceChoice) =>
    answer((p) => p.kind === 'replace' && p.resolve(choice));
  const zip = (choice: ZipChoice) => answer((p) => p.kind === 'zip' && p.resolve(choice));
  return (
    <>
      <Dialog
        title="Replace file?"
        open={prompt?.kind === 'replace'}
        onClose={() => replace('skip')}
        actions={
          <>
            <button type="button" className="button" onClick={() => replace('skip')}>
              Skip
            </button>
            <button type="button" className="button" onClick={() => replace('replace-all')}>
              Replace all
            </button>
            <button
              type="button"
              className="button primary"
              autoFocus
              onClick={() => replace('replace')}
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
        onClose={() => zip('skip')}
        actions={
          <>
            <button type="button" className="button" onClick={() => zip('skip')}>
              Cancel
            </button>
            <button type="button" className="button" onClick={() => zip('file')}>
              Upload as file
            </button>
            <button
              type="button"
              className="button primary"
              autoFocus
              onClick={() => zip('extract')}
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

export function UploadProgressBar({ progress }: { progress: UploadProgress | undefined }) {
  if (!progress || progress.total === 0) return null;
  return (
    <div className="file-tree-progress" role="status">
      <span className="file-tree-progress-text">
        Uploading {Math.min(progress.done + 1, progress.total)} of {progress.total}
        {progress.current && `: ${progress.current}`}
      </span>
      <progress value={progress.done} max={progress.total} aria-label="Upload progress" />
    </div>
  );
}
