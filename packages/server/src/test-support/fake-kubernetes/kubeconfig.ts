/**
 * A kubeconfig for the fake: one cluster, one bearer-token user, one context. Over TLS
 * it carries the fake's certificate as the authority; over plain http it says
 * `insecure-skip-tls-verify: true`, without which @kubernetes/client-node 1.4.0 refuses
 * http ("HTTP protocol is not allowed when skipTLSVerify is not set or false").
 */
import { writeFile } from 'node:fs/promises';

import { stringify } from 'yaml';

export interface KubeconfigTarget {
  url: string;
  token: string;
  /** The context's default namespace. */
  namespace: string;
  /** PEM, when the server speaks TLS. */
  certificateAuthority?: string;
}

const name = 'workcell-fake';

function kubeconfigText({ url, token, namespace, certificateAuthority }: KubeconfigTarget): string {
  const trust = certificateAuthority
    ? { 'certificate-authority-data': Buffer.from(certificateAuthority).toString('base64') }
    : { 'insecure-skip-tls-verify': true };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: url, ...trust } }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace } }],
    'current-context': name,
  });
}

/** Written readable by its owner only: it holds the token. */
export async function writeKubeconfig(file: string, target: KubeconfigTarget): Promise<void> {
  await writeFile(file, kubeconfigText(target), { mode: 0o600 });
}
