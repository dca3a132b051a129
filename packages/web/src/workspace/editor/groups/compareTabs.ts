/**
 * A comparison of two open files as a tab of its own: its key names both paths (a path
 * never holds a newline), its title "a.py ↔ b.py".
 */
import { baseName } from '../paths';

const PREFIX = 'compare:';

export interface Comparison {
  left: string;
  right: string;
}

export const compareKey = ({ left, right }: Comparison) => `${PREFIX}${left}\n${right}`;

export function comparisonOf(key: string): Comparison | undefined {
  if (!key.startsWith(PREFIX)) return undefined;
  const [left, right] = key.slice(PREFIX.length).split('\n');
  return left !== undefined && right !== undefined ? { left, right } : undefined;
}

export const compareTitle = ({ left, right }: Comparison) =>
  `${baseName(left)} ↔ ${baseName(right)}`;
