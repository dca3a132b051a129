/**
 * A kubeconfig for the fake: one cluster, one bearer-token user, one context. The
 * server is plain http, which @kubernetes/client-node 1.4.0 only accepts together with
 * `insecure-skip-tls-verify: true` (without it: "HTTP protocol is not allowed when
 * skipTLSVerify is not set or false").
 */
import { writeFile } from 'node:fs/promises';

import { stringify } from 'yaml';

export interface KubeconfigTarget {
  url: string;
  token: string;
  /** The context's default namespace. */
  namespace: string;
}

const name = 'workcell-fake';

export function kubeconfigText({ url, token, namespace }: KubeconfigTarget): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace } }],
    'current-context': name,
  });
}

/** Written readable by its owner only: it holds the token. */
export async function writeKubeconfig(file: string, target: KubeconfigTarget): Promise<void> {
  await writeFile(file, kubeconfigText(target), { mode: 0o600 });
}
