/**
 * The dashboard's line on what the user stores against their quota (files and their kept
 * earlier versions, in all workspaces) and how many workspaces they have of how many, read
 * again whenever `revision` changes (a workspace was created or deleted).
 */
import type { Usage } from '@workcell/protocol';
import { useEffect, useState } from 'react';

import { api } from '../api/api';
import { formatSize } from '../workspace/editor/paths';

export function UsageSummary({ revision }: { revision: number }) {
  const [usage, setUsage] = useState<Usage>();
  useEffect(() => {
    let live = true;
    api
      .usage()
      .then((reply) => live && setUsage(reply))
      // Only a summary: the page works without it.
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [revision]);
  if (!usage) return null;
  const full = usage.bytes / usage.limitBytes;
  return (
    <p className="dashboard-usage" aria-label="Storage used">
      <meter min={0} max={1} low={0.8} high={0.95} optimum={0} value={full} />
      {formatSize(usage.bytes)} of {formatSize(usage.limitBytes)} used · {usage.workspaces} of{' '}
      {usage.workspaceLimit} workspaces
    </p>
  );
}
