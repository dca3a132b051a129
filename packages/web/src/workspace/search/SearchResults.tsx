/**
 * A search's matches grouped by file: each file a collapsible group with its count, each
 * match its line with the match marked. Enter or a click opens the match; the replace
 * button beside a match replaces that one only.
 */
import type { SearchFile, SearchMatch } from '@workcell/protocol';
import { useState } from 'react';

import './SearchView.css';

export interface SearchResultsProps {
  files: SearchFile[];
  onOpenMatch: (path: string, line: number, column: number) => void;
  /** Replaces one match; absent while replacing is not offered. */
  onReplaceMatch?: (path: string, match: SearchMatch) => void;
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const folderOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf('/')));

/** The preview with the match in a <mark>. */
function Preview({ match }: { match: SearchMatch }) {
  const { preview, previewOffset: start } = match;
  const end = Math.min(preview.length, start + match.length);
  return (
    <span className="search-preview">
      {preview.slice(0, start).trimStart()}
      <mark>{preview.slice(start, end)}</mark>
      {preview.slice(end)}
    </span>
  );
}

function FileGroup({
  file,
  onOpenMatch,
  onReplaceMatch,
}: { file: SearchFile } & Omit<SearchResultsProps, 'files'>) {
  const [open, setOpen] = useState(true);
  const count = file.matches.length;
  return (
    <li className="search-file">
      <button
        type="button"
        className="search-file-header"
        aria-expanded={open}
        title={file.path}
        onClick={() => setOpen(!open)}
      >
        <span className="search-chevron" aria-hidden="true">
          {open ? '▾' : '▸'}
        </span>
        <span className="search-file-name">{baseName(file.path)}</span>
        <span className="search-file-folder">{folderOf(file.path)}</span>
        <span className="search-count" aria-label={`${count} ${count === 1 ? 'match' : 'matches'}`}>
          {count}
        </span>
      </button>
      {open && (
        <ul className="search-matches">
          {file.matches.map((match) => (
            <li key={`${match.line}:${match.column}`} className="search-match">
              <button
                type="button"
                className="search-match-open"
                onClick={() => onOpenMatch(file.path, match.line, match.column)}
              >
                {/* Named by its text, as read, rather than an aria-label that must repeat it. */}
                <span className="visually-hidden">{`${file.path} line ${match.line}:`}</span>
                <span className="search-line" aria-hidden="true">
                  {match.line}
                </span>
                <Preview match={match} />
              </button>
              {onReplaceMatch && (
                <button
                  type="button"
                  className="search-tool search-replace-one"
                  title="Replace"
                  aria-label={`Replace the match in ${file.path} at line ${match.line}`}
                  onClick={() => onReplaceMatch(file.path, match)}
                >
                  ⇄
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

export function SearchResults({ files, ...props }: SearchResultsProps) {
  return (
    <ul className="search-results" aria-label="Search results">
      {files.map((file) => (
        <FileGroup key={file.path} file={file} {...props} />
      ))}
    </ul>
  );
}
