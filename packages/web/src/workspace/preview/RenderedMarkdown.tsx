/** A Markdown file rendered (markdown.ts), in the editor's colours. */
import { useLayoutEffect, useMemo, useRef } from 'react';

import { baseName } from '../editor/paths';
import { renderMarkdown } from './markdown';
import './RenderedMarkdown.css';

export default function RenderedMarkdown(props: { workspace: string; path: string; text: string }) {
  const { workspace, path, text } = props;
  const host = useRef<HTMLElement>(null);
  const rendered = useMemo(
    () => renderMarkdown(text, { workspace, path }),
    [text, workspace, path],
  );
  useLayoutEffect(() => {
    host.current?.replaceChildren(rendered.cloneNode(true));
  }, [rendered]);
  return (
    <div className="markdown-scroll" tabIndex={0}>
      <article ref={host} className="markdown-preview" aria-label={`${baseName(path)}, preview`} />
    </div>
  );
}
