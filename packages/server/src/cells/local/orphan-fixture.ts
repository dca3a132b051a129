/**
 * A stand-in server for the orphan test: starts one cell, says so, and waits to be
 * killed. It is spawned with a stray inherited descriptor (fd 3) that must not reach the
 * cell. Usage: node --import tsx orphan-fixture.ts <cellsDir> <cgroupParent> <workspaceId>
 */
import { AgentClient } from '../agent-client';
import { LocalCellDriver } from './local-driver';
import { testSpec, READY_TIMEOUT_MS } from './test-support';

const [cellsDir = '', cgroupParent = '', workspaceId = ''] = process.argv.slice(2);
const driver = new LocalCellDriver({ cellsDir, cgroupParent });
const cell = await driver.start(testSpec(workspaceId));
await new AgentClient(cell.channel).waitReady(READY_TIMEOUT_MS);
process.stdout.write('ready\n');
setInterval(() => undefined, 60_000);
