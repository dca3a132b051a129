/** One card of the admin page: its heading, the table once loaded, or why there is none. */
import type { ReactNode } from 'react';

import { Alert } from '../ui/Alert';
import { Loading } from '../ui/Loading';
import type { Loaded } from './useLoaded';

interface Props<T> {
  id: string;
  title: string;
  note?: ReactNode;
  /** Above the table: a search box. */
  tools?: ReactNode;
  loaded: Loaded<T>;
  /** What the section says when `isEmpty` holds for the data. */
  emptyText: string;
  isEmpty: (data: T) => boolean;
  children: (data: T) => ReactNode;
}

export function AdminSection<T>({
  id,
  title,
  note,
  tools,
  loaded,
  emptyText,
  isEmpty,
  children,
}: Props<T>) {
  const { data, error } = loaded;
  return (
    <section className="card admin-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {note && <p className="card-note">{note}</p>}
      {tools}
      {error && <Alert>{error}</Alert>}
      {data === undefined ? (
        !error && <Loading label={`Loading ${title.toLowerCase()}…`} />
      ) : isEmpty(data) ? (
        <p className="admin-empty">{emptyText}</p>
      ) : (
        children(data)
      )}
    </section>
  );
}
