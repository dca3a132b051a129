/**
 * The cell drivers this server can run, chosen by CELL_DRIVER. A driver is a folder beside
 * local/ implementing driver.ts, and one entry here.
 */
import { join } from 'node:path';

import type { FastifyBaseLogger } from 'fastify';

import type { Config } from '../config';
import type { CellDriver } from './driver';
import { KubernetesCellDriver } from './kubernetes';
import { egressSettings } from './egress-env';
import { cellLimits, cellTemplate } from './limits';
import { LocalCellDriver } from './local';

const DRIVERS: Record<
  Config['CELL_DRIVER'],
  (config: Config, log?: FastifyBaseLogger) => CellDriver
> = {
  local: (config, log) =>
    new LocalCellDriver({
      cellsDir: join(config.DATA_DIR, 'cells'),
      warmPool: {
        size: config.CELL_WARM_POOL_SIZE,
        template: cellTemplate(config),
        onError: (error) => log?.warn({ err: error }, 'the warm pool could not be refilled'),
      },
    }),
  kubernetes: (config, log) =>
    new KubernetesCellDriver({
      namespace: config.CELL_NAMESPACE,
      image: config.CELL_IMAGE,
      warmPoolSize: config.CELL_WARM_POOL_SIZE,
      runtimeClass: config.CELL_RUNTIME_CLASS,
      nodeSelector: config.CELL_NODE_SELECTOR,
      tolerations: config.CELL_TOLERATIONS,
      route: config.CELL_AGENT_ROUTE,
      limits: cellLimits(config),
      egress: egressSettings(config),
      onError: (error) => log?.warn({ err: error }, 'the warm pool could not be refilled'),
    }),
};

export function createCellDriver(config: Config, log?: FastifyBaseLogger): CellDriver {
  return DRIVERS[config.CELL_DRIVER](config, log);
}
