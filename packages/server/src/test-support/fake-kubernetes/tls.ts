/**
 * A self-signed certificate for 127.0.0.1, made by the openssl command (node:crypto can
 * make keys but not certificates). Only for serving over TLS: client-go (kubectl) sends
 * credentials only over TLS.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface Certificate {
  key: string;
  cert: string;
}

export async function selfSignedCertificate(): Promise<Certificate> {
  const directory = await mkdtemp(join(tmpdir(), 'fake-kubernetes-tls-'));
  try {
    const [keyFile, certFile] = [join(directory, 'key.pem'), join(directory, 'cert.pem')];
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=fake-kubernetes',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-days',
      '30',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]);
    return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8') };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
