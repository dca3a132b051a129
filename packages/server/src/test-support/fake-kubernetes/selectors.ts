/**
 * Label and field selectors, as `labelSelector=` and `fieldSelector=` carry them on list
 * and watch. Field selectors here accept any dotted path with `=`, `==` or `!=` (the real
 * server allows a few fields per kind, e.g. metadata.name, status.phase, spec.nodeName,
 * involvedObject.name); a driver that relies on one the real server refuses is not caught.
 */
import type { KubeObject } from './objects';
import { apiErrors } from './status';

export type Selector = (object: KubeObject) => boolean;

const matchAll: Selector = () => true;

/** Splits on commas that are not inside `in (…)` / `notin (…)` parentheses. */
function splitRequirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((part) => part.trim()).filter(Boolean);
}

function labelRequirement(requirement: string): Selector {
  const labels = (object: KubeObject) => object.metadata.labels ?? {};
  const setMatch = /^([\w./-]+)\s+(in|notin)\s+\(([\w.,\s-]*)\)$/.exec(requirement);
  if (setMatch) {
    const [, key, operator, list] = setMatch as unknown as [string, string, string, string];
    const values = new Set(list.split(',').map((value) => value.trim()));
    return operator === 'in'
      ? (object) => values.has(labels(object)[key] ?? '\0absent')
      : (object) => !values.has(labels(object)[key] ?? '\0absent');
  }
  const comparison = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(requirement);
  if (comparison) {
    const [, key, operator, value] = comparison as unknown as [string, string, string, string];
    return operator === '!='
      ? (object) => labels(object)[key] !== value
      : (object) => labels(object)[key] === value;
  }
  const existence = /^(!?)([\w./-]+)$/.exec(requirement);
  if (existence) {
    const [, not, key] = existence as unknown as [string, string, string];
    return not ? (object) => !(key in labels(object)) : (object) => key in labels(object);
  }
  throw apiErrors.badRequest(`unable to parse requirement: ${requirement}`);
}

function fieldValue(object: KubeObject, path: string): string {
  let value: unknown = object;
  for (const key of path.split('.')) {
    value =
      value !== null && typeof value === 'object'
        ? (value as Record<string, unknown>)[key]
        : undefined;
  }
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '';
}

function fieldRequirement(requirement: string): Selector {
  const comparison = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(requirement);
  if (!comparison) throw apiErrors.badRequest(`invalid field selector: ${requirement}`);
  const [, path, operator, value] = comparison as unknown as [string, string, string, string];
  return operator === '!='
    ? (object) => fieldValue(object, path) !== value
    : (object) => fieldValue(object, path) === value;
}

function allOf(requirements: Selector[]): Selector {
  if (requirements.length === 0) return matchAll;
  return (object) => requirements.every((requirement) => requirement(object));
}

/** One selector from a request's `labelSelector` and `fieldSelector` (either may be absent). */
export function parseSelectors(labelSelector?: string, fieldSelector?: string): Selector {
  return allOf([
    ...splitRequirements(labelSelector ?? '').map(labelRequirement),
    ...splitRequirements(fieldSelector ?? '').map(fieldRequirement),
  ]);
}
