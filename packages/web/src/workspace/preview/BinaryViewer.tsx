/** A file that is neither text nor an image: its size and a download. */
import { routes } from '@workcell/protocol';

import { routeUrl } from '../../api/api';
import { baseName } from '../editor/paths';
import './BinaryViewer.css';

export function BinaryViewer(props: { workspace: string; path: string; size: number }) {
  return (
    <div className="binary-viewer">
      <p>
        {baseName(props.path)} is a binary file, {props.size.toLocaleString()} bytes.
      </p>
      <a
        className="button"
        href={routeUrl(routes.readRaw, { uuid: props.workspace, path: props.path })}
        download={baseName(props.path)}
      >
        Download
      </a>
    </div>
  );
}
