/**
 * The Markdown preview. marked and DOMPurify load with the first preview opened, not with
 * the editor, which most sessions open without ever previewing.
 */
import { lazy, Suspense } from 'react';

const RenderedMarkdown = lazy(() => import('./RenderedMarkdown'));

export function MarkdownPreview(props: { workspace: string; path: string; text: string }) {
  return (
    <Suspense
      fallback={
        <p className="editor-empty" role="status">
          Loading the preview…
        </p>
      }
    >
      <RenderedMarkdown {...props} />
    </Suspense>
  );
}
