/** A search field that reports what is typed once typing pauses. */
import { useEffect, useId, useState } from 'react';

const PAUSE_MS = 250;

export function SearchBox({ label, onSearch }: { label: string; onSearch: (q: string) => void }) {
  const id = useId();
  const [text, setText] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => onSearch(text.trim()), PAUSE_MS);
    return () => clearTimeout(timer);
  }, [text, onSearch]);
  return (
    <div className="admin-search" role="search">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="input"
        type="search"
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
    </div>
  );
}
