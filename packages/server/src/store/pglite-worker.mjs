// The embedded database's own thread (see pglite-thread.ts). Plain JavaScript, so a worker
// thread can load it whichever way the server runs (tsx, vitest, a bundle).
import { parentPort, workerData } from 'node:worker_threads';

import { PGlite } from '@electric-sql/pglite';

/** What a database error carries besides its message (code '23505', constraint, …). */
const describe = (error) =>
  Object.fromEntries(
    Object.entries(error).filter(([, value]) => ['string', 'number'].includes(typeof value)),
  );

let pglite;
try {
  pglite = await PGlite.create(workerData.dataDir);
  parentPort.postMessage({ ready: true });
} catch (error) {
  parentPort.postMessage({ failed: { message: String(error?.message ?? error) } });
  parentPort.close();
}

parentPort.on('message', async (message) => {
  if (message.close) {
    await pglite.close();
    parentPort.postMessage({ closed: true });
    parentPort.close();
    return;
  }
  const { id, sql, params } = message;
  try {
    const result = await pglite.query(sql, params);
    parentPort.postMessage({ id, rows: result.rows, affectedRows: result.affectedRows });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: error.message, ...describe(error) } });
  }
});
