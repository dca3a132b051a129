import { Gauge, type Registry } from 'prom-client';

/** This server's cells at one moment: its driver, and how many are in each live state. */
export interface CellCensus {
  driver: string;
  starting: number;
  ready: number;
  stopping: number;
}

/**
 * `workcell_cells{state, driver}`, counted when scraped from what the cell manager holds,
 * so it cannot drift from the truth as a gauge kept by events could.
 */
export function gaugeCells(registry: Registry, census: () => CellCensus): void {
  new Gauge({
    name: 'workcell_cells',
    help: "This server's cells by state (starting, ready, stopping) and driver.",
    labelNames: ['state', 'driver'] as const,
    registers: [registry],
    collect() {
      const { driver, ...byState } = census();
      for (const [state, count] of Object.entries(byState)) this.set({ state, driver }, count);
    },
  });
}
