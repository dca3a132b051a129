/**
 * The JSON the fake stores and serves, typed as far as the fake reads it. These are wire
 * shapes (timestamps are RFC 3339 strings), not the client library's classes, which
 * turn timestamps into Dates.
 */

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ContainerJson {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
  }[];
  ports?: { containerPort: number; name?: string; protocol?: string }[];
  [field: string]: unknown;
}

export interface PodJson extends KubeObject {
  spec: {
    containers: ContainerJson[];
    nodeName?: string;
    restartPolicy?: string;
    terminationGracePeriodSeconds?: number;
    [field: string]: unknown;
  };
  status?: Record<string, unknown> & { phase?: string };
}

/** Kubernetes timestamps have whole seconds: 2026-12-04T05:28:18Z. */
export function timestamp(at = new Date()): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A copy of a JSON object without some of its fields (optional ones: the type stays). */
export function omit<T extends object>(object: T, ...keys: (keyof T & string)[]): T {
  return Object.fromEntries(
    Object.entries(object).filter(([key]) => !keys.includes(key as keyof T & string)),
  ) as T;
}
