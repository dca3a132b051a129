/**
 * The fake's etcd: objects by kind, namespace and name; one global resourceVersion that
 * every write bumps; a bounded history of changes that watches replay from. A watch from
 * a resourceVersion older than the history answers 410, as on a real server after
 * compaction. Everything is synchronous, so a reader that takes the history and then
 * subscribes in the same turn misses nothing.
 */
import { randomUUID } from 'node:crypto';

import { omit, timestamp, type KubeObject } from './objects';
import { apiVersionOf, qualifiedName, type ResourceType } from './resources';
import { apiErrors } from './status';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  type: ChangeType;
  resource: ResourceType;
  resourceVersion: number;
  /** As it is after the change; for DELETED, as it was, with the deletion's resourceVersion. */
  object: KubeObject;
  /** As it was before a MODIFIED: watches with selectors need both sides. */
  previous?: KubeObject;
}

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

/** The alphabet and length the real server uses for generateName suffixes. */
const suffixAlphabet = 'bcdfghjklmnpqrstvwxz2456789';
function randomSuffix(): string {
  return Array.from(
    { length: 5 },
    () => suffixAlphabet[Math.floor(Math.random() * suffixAlphabet.length)],
  ).join('');
}

const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export class ObjectStore {
  #revision = 0;
  readonly #objects = new Map<ResourceType, Map<string, KubeObject>>();
  #history: Change[] = [];
  /** Changes up to this resourceVersion are gone from the history. */
  #compactedThrough = 0;
  readonly #listeners = new Set<(change: Change) => void>();

  constructor(readonly historyLimit = 1000) {}

  get resourceVersion(): string {
    return String(this.#revision);
  }

  get(resource: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const object = this.find(resource, namespace, name);
    if (!object) throw apiErrors.notFound({ kind: qualifiedName(resource), name });
    return object;
  }

  find(
    resource: ResourceType,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    const object = this.#collection(resource).get(key(namespace, name));
    return object && structuredClone(object);
  }

  /** All objects of a kind, in one namespace or (namespace undefined) in all. */
  list(resource: ResourceType, namespace?: string): KubeObject[] {
    return [...this.#collection(resource).values()]
      .filter((object) => namespace === undefined || object.metadata.namespace === namespace)
      .map((object) => structuredClone(object));
  }

  create(resource: ResourceType, namespace: string | undefined, input: KubeObject): KubeObject {
    const collection = this.#collection(resource);
    const metadata = { ...input.metadata };
    if (!metadata.name && metadata.generateName) {
      do metadata.name = metadata.generateName + randomSuffix();
      while (collection.has(key(namespace, metadata.name)));
    }
    const name = metadata.name ?? '';
    if (!name)
      throw apiErrors.invalid(
        resource.kind,
        '',
        'metadata.name: Required value: name or generateName is required',
      );
    if (name.length > 253 || !dnsSubdomain.test(name))
      throw apiErrors.invalid(
        resource.kind,
        name,
        `metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      );
    if (collection.has(key(namespace, name)))
      throw apiErrors.alreadyExists({ kind: qualifiedName(resource), name });
    const object = this.#stamp(resource, {
      ...structuredClone(input),
      metadata: {
        ...metadata,
        ...(namespace !== undefined && { namespace }),
        uid: randomUUID(),
        creationTimestamp: timestamp(),
      },
    });
    collection.set(key(namespace, name), object);
    this.#record({ type: 'ADDED', resource, resourceVersion: this.#revision, object });
    return structuredClone(object);
  }

  /**
   * Replaces an object with what `change` makes of (a copy of) it. Identity (name,
   * namespace, uid, creationTimestamp) is kept whatever `change` returns; a
   * `preconditions.resourceVersion` other than the current one is a 409 Conflict.
   */
  update(
    resource: ResourceType,
    namespace: string | undefined,
    name: string,
    change: (current: KubeObject) => KubeObject,
    preconditions: Preconditions = {},
  ): KubeObject {
    const previous = this.get(resource, namespace, name);
    this.#check(resource, previous, preconditions);
    const next = change(structuredClone(previous));
    const { uid, creationTimestamp } = previous.metadata;
    const object = this.#stamp(resource, {
      ...next,
      metadata: { ...next.metadata, name, namespace, uid, creationTimestamp },
    });
    this.#collection(resource).set(key(namespace, name), object);
    this.#record({ type: 'MODIFIED', resource, resourceVersion: this.#revision, object, previous });
    return structuredClone(object);
  }

  remove(
    resource: ResourceType,
    namespace: string | undefined,
    name: string,
    preconditions: Preconditions = {},
  ): KubeObject {
    const current = this.get(resource, namespace, name);
    this.#check(resource, current, preconditions);
    this.#collection(resource).delete(key(namespace, name));
    const object = this.#stamp(resource, current);
    this.#record({ type: 'DELETED', resource, resourceVersion: this.#revision, object });
    return structuredClone(object);
  }

  /** Changes after `resourceVersion`; 410 Expired when some of them are no longer kept. */
  changesSince(resourceVersion: number): Change[] {
    if (resourceVersion < this.#compactedThrough)
      throw apiErrors.expired(
        `too old resource version: ${resourceVersion} (${this.#compactedThrough + 1})`,
      );
    return this.#history.filter((change) => change.resourceVersion > resourceVersion);
  }

  /** Calls `listener` after every write, synchronously; returns the unsubscribe. */
  subscribe(listener: (change: Change) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Forgets the whole history: every watch from an earlier resourceVersion now gets 410. */
  compactHistory(): void {
    this.#compactedThrough = this.#revision;
    this.#history = [];
  }

  #collection(resource: ResourceType): Map<string, KubeObject> {
    let collection = this.#objects.get(resource);
    if (!collection) this.#objects.set(resource, (collection = new Map<string, KubeObject>()));
    return collection;
  }

  #check(resource: ResourceType, current: KubeObject, preconditions: Preconditions): void {
    const ref = { kind: qualifiedName(resource), name: current.metadata.name ?? '' };
    if (preconditions.uid && preconditions.uid !== current.metadata.uid)
      throw apiErrors.conflict(
        ref,
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid}`,
      );
    if (
      preconditions.resourceVersion &&
      preconditions.resourceVersion !== current.metadata.resourceVersion
    )
      throw apiErrors.conflict(ref);
  }

  /** A new revision on a fresh copy of `object`, with its kind and apiVersion first. */
  #stamp(resource: ResourceType, object: KubeObject): KubeObject {
    this.#revision++;
    const rest = omit(structuredClone(object), 'apiVersion', 'kind');
    return {
      apiVersion: apiVersionOf(resource),
      kind: resource.kind,
      ...rest,
      metadata: { ...rest.metadata, resourceVersion: String(this.#revision) },
    };
  }

  #record(change: Change): void {
    this.#history.push(change);
    if (this.#history.length > this.historyLimit) {
      this.#compactedThrough = this.#history.shift()!.resourceVersion;
    }
    for (const listener of this.#listeners) listener(change);
  }
}

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}
