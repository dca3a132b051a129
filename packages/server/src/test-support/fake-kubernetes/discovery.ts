/**
 * The discovery documents (`/api`, `/api/v1`, `/apis`, `/apis/GROUP/VERSION`) that
 * kubectl reads before anything else; client-node does not need them.
 */
import { apiVersionOf, resourceTypes, type ResourceType } from './resources';

const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function resourceList(groupVersion: string, types: ResourceType[]) {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: types.flatMap((type) => [
      {
        name: type.plural,
        singularName: type.kind.toLowerCase(),
        namespaced: type.namespaced,
        kind: type.kind,
        shortNames: type.shortNames ?? [],
        verbs: type === resourceTypes.namespaces ? ['get', 'list', 'watch'] : verbs,
      },
      ...(type === resourceTypes.pods
        ? [
            {
              name: 'pods/status',
              singularName: '',
              namespaced: true,
              kind: 'Pod',
              verbs: ['get', 'patch', 'update'],
            },
            {
              name: 'pods/exec',
              singularName: '',
              namespaced: true,
              kind: 'PodExecOptions',
              verbs: ['create', 'get'],
            },
            {
              name: 'pods/portforward',
              singularName: '',
              namespaced: true,
              kind: 'PodPortForwardOptions',
              verbs: ['create', 'get'],
            },
          ]
        : []),
    ]),
  };
}

/** The document at `pathname`, or undefined when it is not a discovery path. */
export function discoveryDocument(pathname: string): unknown {
  const all = Object.values(resourceTypes);
  const grouped = all.filter((type) => type.group);
  const groupVersions = [...new Set(grouped.map(apiVersionOf))];
  if (pathname === '/api')
    return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  if (pathname === '/api/v1')
    return resourceList(
      'v1',
      all.filter((type) => !type.group),
    );
  if (pathname === '/apis')
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groupVersions.map((groupVersion) => {
        const [name, version] = groupVersion.split('/') as [string, string];
        const preferred = { groupVersion, version };
        return { name, versions: [preferred], preferredVersion: preferred };
      }),
    };
  const groupVersion = groupVersions.find((candidate) => pathname === `/apis/${candidate}`);
  if (groupVersion)
    return resourceList(
      groupVersion,
      grouped.filter((type) => apiVersionOf(type) === groupVersion),
    );
  return undefined;
}
