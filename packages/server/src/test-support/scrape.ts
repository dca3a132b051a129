/**
 * Reads Prometheus's text exposition as a scraper does, so tests assert on values and
 * labels instead of on lines of text.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  text: string;
  samples: Sample[];
  /** Each metric family's name and type, from its `# TYPE` line. */
  types: Map<string, string>;
}

const TYPE_LINE = /^# TYPE (\S+) (\S+)$/;
const SAMPLE_LINE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;
const unescape = (value: string) =>
  value.replace(/\\(.)/g, (_match, char: string) => (char === 'n' ? '\n' : char));

export function parseScrape(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = TYPE_LINE.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    const sample = SAMPLE_LINE.exec(line);
    if (!sample) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(LABEL)) labels[key!] = unescape(value!);
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { text, samples, types };
}

/** The sum of the samples named `name` whose labels include `labels`; 0 when there are none. */
export function total(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  return scrape.samples
    .filter(
      (sample) =>
        sample.name === name &&
        Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** Every series name a query can use: the families', and a histogram's three. */
export function seriesNames(scrape: Scrape): Set<string> {
  const names = new Set<string>();
  for (const [name, type] of scrape.types) {
    if (type === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}
