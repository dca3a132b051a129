/**
 * The Grafana dashboard is checked against a real server's scrape (on PostgreSQL, whose
 * pool has metrics): every metric a panel queries exists, and every Workcell metric the
 * server exports has a panel. A renamed metric fails here, not on an operator's screen.
 */
import { readFile } from 'node:fs/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  buildTestApp,
  openTestDatabase,
  type TestApp,
  type TestDatabase,
} from '../../packages/server/src/test-support/api-harness';
import {
  parseScrape,
  seriesNames,
  type Scrape,
} from '../../packages/server/src/test-support/scrape';

interface Target {
  expr: string;
}
interface Panel {
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  __inputs: { name: string; pluginId: string }[];
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { definition?: string }[] };
}

const TOKEN = 'dashboard-test-metrics-token';
/** Metric names in PromQL: ours and the process ones, never a function or a label. */
const METRIC_NAME = /\b(?:workcell|process|nodejs)_[a-z0-9_]+\b/g;

const dashboard = JSON.parse(
  await readFile(new URL('workcell.json', import.meta.url), 'utf8'),
) as Dashboard;
const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const queries = [
  ...panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
  ...dashboard.templating.list.flatMap((variable) => variable.definition ?? []),
];
const queried = new Set(queries.flatMap((query) => query.match(METRIC_NAME) ?? []));

let database: TestDatabase;
let server: TestApp;
let scrape: Scrape;

beforeAll(async () => {
  database = await openTestDatabase('postgres');
  server = await buildTestApp(database.handle, { METRICS_TOKEN: TOKEN });
  const response = await server.app.inject({
    url: '/metrics',
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(response.statusCode).toBe(200);
  scrape = parseScrape(response.body);
});

afterAll(async () => {
  await server?.app.close();
  await database?.close();
});

describe('deploy/grafana/workcell.json', () => {
  it('is a dashboard over a Prometheus data source given at import', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.__inputs).toContainEqual(
      expect.objectContaining({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' }),
    );
    for (const panel of panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource?.uid, panel.title).toBe('${DS_PROMETHEUS}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
  });

  it('queries only metrics the server exports', () => {
    const exported = seriesNames(scrape);
    expect(queried.size).toBeGreaterThan(10);
    for (const name of queried) expect(exported, name).toContain(name);
  });

  it("has a panel over every one of Workcell's own metrics", () => {
    const families = [...scrape.types.keys()].filter((name) => name.startsWith('workcell_'));
    expect(families.length).toBeGreaterThanOrEqual(10);
    for (const family of families) {
      expect(
        [...queried].some((name) => name === family || name.startsWith(`${family}_`)),
        family,
      ).toBe(true);
    }
  });
});
