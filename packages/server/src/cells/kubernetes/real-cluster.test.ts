/**
 * The Kubernetes driver against a real cluster, when WORKCELL_E2E_KUBECONFIG names one's
 * kubeconfig: cells in CELL_NAMESPACE (default workcell-cells, with deploy/kubernetes
 * applied) from CELL_IMAGE (default workcell-cell), reached as CELL_AGENT_ROUTE says
 * (default port-forward: the test usually runs outside the cluster's pod network).
 */
import { randomUUID } from 'node:crypto';

import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';

import { AgentClient } from '../agent-client';
import { defaultCellLimits } from '../limits';
import { BLOCKED } from '../local/test-support';
import { KubernetesCellDriver } from './kubernetes-driver';

const kubeconfigFile = process.env.WORKCELL_E2E_KUBECONFIG;

describe.runIf(kubeconfigFile)('on a real cluster', () => {
  const drivers: KubernetesCellDriver[] = [];
  const newDriver = () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigFile!);
    const driver = new KubernetesCellDriver({
      namespace: process.env.CELL_NAMESPACE ?? 'workcell-cells',
      image: process.env.CELL_IMAGE ?? 'workcell-cell',
      warmPoolSize: 0,
      route: process.env.CELL_AGENT_ROUTE === 'network' ? 'network' : 'port-forward',
      limits: defaultCellLimits(),
      kubeConfig,
    });
    drivers.push(driver);
    return driver;
  };

  afterAll(async () => {
    for (const driver of drivers) await driver.close();
  });

  it('starts a cell, runs Python in it, hands its terminal to another server and stops it', async () => {
    const spec = {
      workspaceId: randomUUID(),
      ownerId: randomUUID(),
      limits: defaultCellLimits(),
      blockedCommands: BLOCKED,
    };
    expect((await newDriver().probe()).usable).toBe(true);
    const cell = await newDriver().start(spec);
    const agent = new AgentClient(cell.channel);
    await agent.waitReady(60_000);
    const { result, body } = await agent.request({
      op: 'exec.run',
      execId: randomUUID(),
      argv: ['python3', '-c', 'import numpy, os; print(os.getcwd(), numpy.__name__)'],
      timeoutMs: 60_000,
      maxOutputBytes: 1024,
    });
    expect(body.subarray(0, result.stdoutBytes).toString()).toBe('/app numpy\n');
    const ptyId = randomUUID();
    const { result: opened } = await agent.request({ op: 'pty.open', ptyId, cols: 80, rows: 24 });

    const other = await newDriver().start(spec);
    const otherAgent = new AgentClient(other.channel);
    await otherAgent.waitReady(60_000);
    const { result: listed } = await otherAgent.request({ op: 'pty.list' });
    expect(listed.ptys).toEqual([expect.objectContaining({ ptyId, pid: opened.pid })]);
    await other.stop();
    expect(await other.exited).toEqual({ reason: 'stopped' });
  }, 600_000);
});
