/** Text with the characters a fuzzy query matched in <mark>. */
export function Highlighted({ text, matches }: { text: string; matches: readonly number[] }) {
  if (matches.length === 0) return text;
  const matched = new Set(matches);
  const runs: { text: string; mark: boolean }[] = [];
  let start = 0;
  for (let i = 1; i <= text.length; i++)
    if (i === text.length || matched.has(i) !== matched.has(start)) {
      runs.push({ text: text.slice(start, i), mark: matched.has(start) });
      start = i;
    }
  return runs.map((run, i) => (run.mark ? <mark key={i}>{run.text}</mark> : run.text));
}
