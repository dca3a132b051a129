/** Views for files that are not edited as text: images, CSV as a table, other binaries. */
import Papa from 'papaparse';
import { useMemo, useState } from 'react';

import { workspaceUrl } from '../../api/client';
import { baseName, extensionOf, formatSize } from './paths';

const maxRows = 1000;

export function ImageViewer(props: {
  workspace: string;
  path: string;
  size: number;
  revision: number;
}) {
  const [dimensions, setDimensions] = useState<{ width: number; height: number }>();
  const [failed, setFailed] = useState(false);
  const source = `${workspaceUrl(props.workspace, 'raw', props.path)}?v=${props.revision}`;
  return (
    <figure className="image-viewer">
      <div className="image-stage">
        {failed ? (
          <p role="alert">This image cannot be displayed.</p>
        ) : (
          <img
            src={source}
            alt={baseName(props.path)}
            onLoad={(event) => {
              setFailed(false);
              setDimensions({
                width: event.currentTarget.naturalWidth,
                height: event.currentTarget.naturalHeight,
              });
            }}
            onError={() => setFailed(true)}
          />
        )}
      </div>
      <figcaption>
        {baseName(props.path)} · {formatSize(props.size)}
        {dimensions && ` · ${dimensions.width} × ${dimensions.height} px`}
      </figcaption>
    </figure>
  );
}

export function BinaryViewer(props: { workspace: string; path: string; size: number }) {
  return (
    <div className="binary-viewer">
      <p>
        {baseName(props.path)} is a binary file, {props.size.toLocaleString()} bytes.
      </p>
      <a
        className="button"
        href={workspaceUrl(props.workspace, 'raw', props.path)}
        download={baseName(props.path)}
      >
        Download
      </a>
    </div>
  );
}

export function CsvTable({ path, text }: { path: string; text: string }) {
  const parsed = useMemo(
    () =>
      Papa.parse<string[]>(text, {
        // The header, the rows shown, and one more to know there are more.
        preview: maxRows + 2,
        skipEmptyLines: true,
        delimiter: extensionOf(path) === 'tsv' ? '\t' : '',
      }),
    [text, path],
  );
  const [header = [], ...rows] = parsed.data;
  const shown = rows.slice(0, maxRows);
  const columns = Math.max(header.length, ...shown.map((row) => row.length));
  return (
    <div
      className="csv-viewer"
      tabIndex={0}
      role="region"
      aria-label={`${baseName(path)} as a table`}
    >
      <table>
        <thead>
          <tr>
            <th scope="col" className="csv-row-number">
              <span className="visually-hidden">Row</span>
            </th>
            {Array.from({ length: columns }, (_, column) => (
              <th scope="col" key={column}>
                {header[column] ?? ''}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((row, index) => (
            <tr key={index}>
              <th scope="row" className="csv-row-number">
                {index + 1}
              </th>
              {Array.from({ length: columns }, (_, column) => (
                <td key={column}>{row[column] ?? ''}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > maxRows && (
        <p className="csv-note">
          Showing the first {maxRows.toLocaleString()} rows; switch to Text to see all.
        </p>
      )}
    </div>
  );
}
