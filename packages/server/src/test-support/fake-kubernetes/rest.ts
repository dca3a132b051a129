/**
 * The REST verbs on a parsed resource path: create, get, list, replace, patch, delete,
 * and the status subresource. Answers are JSON bodies with their HTTP status; failures
 * are thrown as ApiError and become Status objects at the HTTP layer.
 */
import { rulesFor } from './kind-rules';
import { omit, type KubeObject } from './objects';
import { applyPatch } from './patch';
import { apiVersionOf, qualifiedName, resourceTypes, type ResourcePath } from './resources';
import { parseSelectors } from './selectors';
import { apiErrors, successStatus } from './status';
import type { ObjectStore, Preconditions } from './store';

export interface RestRequest {
  method: string;
  path: ResourcePath;
  query: URLSearchParams;
  /** Without parameters: `application/merge-patch+json`. */
  contentType: string;
  body: unknown;
}

export interface RestReply {
  code: number;
  body: unknown;
}

interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: Preconditions;
}

export function handleRest(store: ObjectStore, request: RestRequest): RestReply {
  const { method, path } = request;
  if (path.type === resourceTypes.namespaces && method !== 'GET')
    throw apiErrors.methodNotAllowed();
  // Namespaced kinds are listed and watched across namespaces, nothing else.
  if (path.type.namespaced && path.namespace === undefined && (method !== 'GET' || path.name))
    throw apiErrors.methodNotAllowed();
  if (path.name === undefined) {
    if (method === 'GET') return { code: 200, body: list(store, request) };
    if (method === 'POST') return { code: 201, body: create(store, request) };
    throw apiErrors.methodNotAllowed();
  }
  if (path.subresource === 'status' && rulesFor(path.type).statusSubresource)
    return { code: 200, body: writeStatus(store, request, path.name) };
  if (path.subresource !== undefined)
    throw apiErrors.notFound({
      kind: qualifiedName(path.type),
      name: `${path.name}/${path.subresource}`,
    });
  switch (method) {
    case 'GET':
      return { code: 200, body: store.get(path.type, path.namespace, path.name) };
    case 'PUT':
      return { code: 200, body: replace(store, request, path.name) };
    case 'PATCH':
      return { code: 200, body: patch(store, request, path.name) };
    case 'DELETE':
      return { code: 200, body: remove(store, request, path.name) };
    default:
      throw apiErrors.methodNotAllowed();
  }
}

function list(store: ObjectStore, { path, query }: RestRequest) {
  const selector = parseSelectors(
    query.get('labelSelector') ?? undefined,
    query.get('fieldSelector') ?? undefined,
  );
  // List items carry no kind and apiVersion on the wire; the list does.
  const items = store
    .list(path.type, path.namespace)
    .filter(selector)
    .map((item) => omit(item, 'kind', 'apiVersion'));
  return {
    kind: `${path.type.kind}List`,
    apiVersion: apiVersionOf(path.type),
    metadata: { resourceVersion: store.resourceVersion },
    items,
  };
}

function objectBody(request: RestRequest): KubeObject {
  const body = request.body as Partial<KubeObject> | undefined;
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw apiErrors.badRequest('the request body must be a JSON object');
  return { ...body, metadata: { ...body.metadata } };
}

function create(store: ObjectStore, request: RestRequest): KubeObject {
  const { type, namespace } = request.path;
  const object = objectBody(request);
  if (namespace !== undefined) {
    if (object.metadata.namespace !== undefined && object.metadata.namespace !== namespace)
      throw apiErrors.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    store.get(resourceTypes.namespaces, undefined, namespace);
  }
  const prepare = rulesFor(type).prepareCreate;
  return store.create(type, namespace, prepare ? prepare(object) : object);
}

function checkName(object: KubeObject, name: string): void {
  if (object.metadata.name !== undefined && object.metadata.name !== name)
    throw apiErrors.badRequest(
      `the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`,
    );
}

function replace(store: ObjectStore, request: RestRequest, name: string): KubeObject {
  const { type, namespace } = request.path;
  const rules = rulesFor(type);
  const object = objectBody(request);
  checkName(object, name);
  return store.update(
    type,
    namespace,
    name,
    (current) => {
      const next = rules.statusSubresource ? { ...object, status: current.status } : object;
      return rules.prepareUpdate ? rules.prepareUpdate(current, next) : next;
    },
    { resourceVersion: object.metadata.resourceVersion },
  );
}

/** A patch that sets metadata.resourceVersion is conditional on it, as on the real server. */
function patched(request: RestRequest, current: KubeObject): KubeObject {
  const result = applyPatch(current, request.contentType, request.body) as KubeObject;
  if (result?.metadata?.resourceVersion !== current.metadata.resourceVersion)
    throw apiErrors.conflict({
      kind: qualifiedName(request.path.type),
      name: current.metadata.name ?? '',
    });
  return result;
}

function patch(store: ObjectStore, request: RestRequest, name: string): KubeObject {
  const { type, namespace } = request.path;
  const rules = rulesFor(type);
  return store.update(type, namespace, name, (current) => {
    const result = patched(request, current);
    const next = rules.statusSubresource ? { ...result, status: current.status } : result;
    return rules.prepareUpdate ? rules.prepareUpdate(current, next) : next;
  });
}

function writeStatus(store: ObjectStore, request: RestRequest, name: string): KubeObject {
  const { type, namespace } = request.path;
  switch (request.method) {
    case 'GET':
      return store.get(type, namespace, name);
    case 'PUT': {
      const object = objectBody(request);
      checkName(object, name);
      return store.update(
        type,
        namespace,
        name,
        (current) => ({ ...current, status: object.status }),
        { resourceVersion: object.metadata.resourceVersion },
      );
    }
    case 'PATCH':
      return store.update(type, namespace, name, (current) => ({
        ...current,
        status: patched(request, current).status,
      }));
    default:
      throw apiErrors.methodNotAllowed();
  }
}

function remove(store: ObjectStore, request: RestRequest, name: string): unknown {
  const { type, namespace } = request.path;
  const options = (request.body ?? {}) as DeleteOptions;
  const graceParameter = request.query.get('gracePeriodSeconds');
  const gracePeriodSeconds =
    graceParameter !== null ? Number(graceParameter) : options.gracePeriodSeconds;
  const preconditions = options.preconditions ?? {};
  const removeByRule = rulesFor(type).remove;
  if (removeByRule && namespace !== undefined)
    return removeByRule(store, namespace, name, { gracePeriodSeconds, preconditions });
  const removed = store.remove(type, namespace, name, preconditions);
  return successStatus({ name, kind: type.plural, uid: removed.metadata.uid });
}
