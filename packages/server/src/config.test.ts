import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8000);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.DATA_DIR).toMatch(/^\/.*\/data$/);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.MAX_FILE_BYTES).toBe(10 * 1024 * 1024);
    expect(config.MAX_WORKSPACE_BYTES).toBe(100 * 1024 * 1024);
    expect(config.MAX_ARCHIVE_ENTRIES).toBe(10_000);
    expect(config.REVISIONS_PER_FILE).toBe(200);
    expect(config.REVISIONS_ALL_MINUTES).toBe(60);
    expect(config.REVISIONS_HOURLY_HOURS).toBe(24);
    expect(config.REVISIONS_DAILY_DAYS).toBe(30);
    expect(config.SESSION_TTL_DAYS).toBe(30);
    expect(config.PUBLIC_URL).toBe('http://localhost:8000');
    // The web app's build in this checkout, wherever the server is started from.
    expect(config.WEB_DIR).toBe(fileURLToPath(new URL('../../web/dist', import.meta.url)));
    expect(config.WEB_DIR).toMatch(/^\/.*\/packages\/web\/dist$/);
  });

  it('reads ADMIN_USERS as lower-case names and wants a METRICS_TOKEN of 16 characters', () => {
    expect(loadConfig({}).ADMIN_USERS).toEqual([]);
    expect(loadConfig({ ADMIN_USERS: ' Ada, grace ,,' }).ADMIN_USERS).toEqual(['ada', 'grace']);
    expect(loadConfig({}).METRICS_TOKEN).toBeUndefined();
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(
      /METRICS_TOKEN: must be at least 16/,
    );
  });

  it('resolves WEB_DIR to an absolute path', () => {
    expect(loadConfig({ WEB_DIR: '/srv/web' }).WEB_DIR).toBe('/srv/web');
    expect(loadConfig({ WEB_DIR: 'public' }).WEB_DIR).toBe(resolve('public'));
  });

  it('reads values from the environment, treating empty ones as unset', () => {
    const config = loadConfig({
      PORT: '9001',
      HOST: '0.0.0.0',
      DATA_DIR: '/srv/workcell',
      DATABASE_URL: 'postgresql://user@db:5432/workcell',
      MAX_FILE_BYTES: '1024',
      LOG_LEVEL: '',
      COOKIE_SECURE: 'true',
    });
    expect(config).toMatchObject({
      PORT: 9001,
      HOST: '0.0.0.0',
      DATA_DIR: '/srv/workcell',
      DATABASE_URL: 'postgresql://user@db:5432/workcell',
      MAX_FILE_BYTES: 1024,
      LOG_LEVEL: 'info',
      COOKIE_SECURE: true,
      PUBLIC_URL: 'http://localhost:9001',
    });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://root@localhost/workcell'],
    ['DATABASE_URL', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['MAX_FILE_BYTES', '0'],
    ['MAX_WORKSPACE_BYTES', '-5'],
    ['MAX_ARCHIVE_ENTRIES', '0'],
    ['MAX_ARCHIVE_ENTRIES', '100001'],
    ['REVISIONS_PER_FILE', 'many'],
    ['REVISIONS_DAILY_DAYS', '-1'],
    ['AUTH_RATE_LIMIT_PER_MINUTE', '0'],
    ['COOKIE_SECURE', 'yes please'],
    ['PUBLIC_URL', 'localhost'],
    ['CELL_EGRESS_ALLOW', 'pypi.org:99999'],
    ['CELL_EGRESS_ALLOW', '*.com'],
    ['CELL_PIP_INDEX_URL', 'ftp://mirror.example/simple/'],
    ['CELL_EGRESS_MAX_CONNECTIONS', '0'],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, value) => {
    let thrown: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toContain(name);
    // Only the bad variable is named.
    for (const other of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'MAX_FILE_BYTES'].filter(
      (variable) => variable !== name,
    ))
      expect((thrown as ConfigError).message).not.toMatch(new RegExp(`\\b${other}\\b`));
  });

  it('leaves metrics off without METRICS_TOKEN and refuses a short one', () => {
    expect(loadConfig({}).METRICS_TOKEN).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: '' }).METRICS_TOKEN).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'x'.repeat(16) }).METRICS_TOKEN).toBe('x'.repeat(16));
    expect(() => loadConfig({ METRICS_TOKEN: 'too-short' })).toThrow(
      /METRICS_TOKEN: must be at least 16 characters/,
    );
  });

  it('refuses file and workspace limits the database cannot count (2 GiB and more)', () => {
    expect(loadConfig({ MAX_WORKSPACE_BYTES: String(2 ** 31 - 1) }).MAX_WORKSPACE_BYTES).toBe(
      2 ** 31 - 1,
    );
    expect(() => loadConfig({ MAX_WORKSPACE_BYTES: String(2 ** 31) })).toThrow(
      /MAX_WORKSPACE_BYTES/,
    );
    expect(() => loadConfig({ MAX_FILE_BYTES: String(2 ** 31) })).toThrow(/MAX_FILE_BYTES/);
  });

  it('runs several server processes only on PostgreSQL', () => {
    expect(() => loadConfig({ SERVER_PROCESSES: '2' })).toThrow(
      /SERVER_PROCESSES: above 1 needs DATABASE_URL/,
    );
    const config = loadConfig({
      SERVER_PROCESSES: '2',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
    });
    expect(config.SERVER_PROCESSES).toBe(2);
    expect(loadConfig({}).SERVER_PROCESSES).toBe(1);
  });

  it('names every bad variable at once', () => {
    expect(() => loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x' })).toThrow(
      /PORT[\s\S]*DATABASE_URL|DATABASE_URL[\s\S]*PORT/,
    );
  });

  it('reads the Kubernetes pod placement as JSON, naming a variable that is not', () => {
    const config = loadConfig({
      CELL_DRIVER: 'kubernetes',
      CELL_NODE_SELECTOR: '{"workcell.dev/cells":"true"}',
      CELL_TOLERATIONS: '[{"key":"cells","operator":"Exists","effect":"NoSchedule"}]',
    });
    expect(config.CELL_NODE_SELECTOR).toEqual({ 'workcell.dev/cells': 'true' });
    expect(config.CELL_TOLERATIONS).toEqual([
      { key: 'cells', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    expect(() => loadConfig({ CELL_NODE_SELECTOR: 'cells=true' })).toThrow(
      /CELL_NODE_SELECTOR: is not JSON/,
    );
    expect(() => loadConfig({ CELL_TOLERATIONS: '[{"effect":"Sometimes"}]' })).toThrow(
      /CELL_TOLERATIONS/,
    );
  });
});
