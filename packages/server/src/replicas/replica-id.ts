import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * This server's name among the replicas sharing a database, kept in its DATA_DIR so that
 * a restarted server knows the cells it ran before (and that they died with it). Read
 * once at start, before the server listens.
 */
export function replicaIdOf(dataDir: string): string {
  const file = join(dataDir, 'replica-id');
  try {
    const known = readFileSync(file, 'utf8').trim();
    if (known !== '') return known;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const id = randomUUID();
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return id;
}
