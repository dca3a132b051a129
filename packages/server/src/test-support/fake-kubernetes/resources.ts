/** The kinds the fake serves, and how a request path names them. */

export interface ResourceType {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Plural, as in the URL: `pods`. */
  plural: string;
  kind: string;
  namespaced: boolean;
  /** What kubectl also accepts: `po`, `ns`. */
  shortNames?: string[];
}

const core = (
  plural: string,
  kind: string,
  shortNames: string[],
  namespaced = true,
): ResourceType => ({ group: '', version: 'v1', plural, kind, namespaced, shortNames });

export const resourceTypes = {
  pods: core('pods', 'Pod', ['po']),
  events: core('events', 'Event', ['ev']),
  secrets: core('secrets', 'Secret', []),
  namespaces: core('namespaces', 'Namespace', ['ns'], false),
  leases: {
    group: 'coordination.k8s.io',
    version: 'v1',
    plural: 'leases',
    kind: 'Lease',
    namespaced: true,
  },
} satisfies Record<string, ResourceType>;

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** How messages name a resource: `pods`, `leases.coordination.k8s.io`. */
export function qualifiedName(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

/** What a request path addresses: a collection, an object, or an object's subresource. */
export interface ResourcePath {
  type: ResourceType;
  /** Undefined for cluster-scoped kinds and for lists across all namespaces. */
  namespace?: string;
  name?: string;
  subresource?: string;
}

/**
 * Parses `/api/v1/namespaces/NS/pods/NAME/exec` and its relatives; undefined when the
 * path names nothing the fake serves.
 */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const segments = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string, version: string | undefined, rest: string[];
  if (segments[0] === 'api') {
    [group, version, rest] = ['', segments[1], segments.slice(2)];
  } else if (segments[0] === 'apis') {
    [group, version, rest] = [segments[1] ?? '', segments[2], segments.slice(3)];
  } else {
    return undefined;
  }
  const find = (plural: string | undefined) =>
    Object.values(resourceTypes).find(
      (t) => t.group === group && t.version === version && t.plural === plural,
    );
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const type = find(rest[2]);
    if (!type?.namespaced || rest.length > 5) return undefined;
    return { type, namespace: rest[1], name: rest[3], subresource: rest[4] };
  }
  const type = find(rest[0]);
  if (!type || rest.length > 3) return undefined;
  return { type, name: rest[1], subresource: rest[2] };
}
