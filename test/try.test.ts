/**
 * The main job end to end: generate into a copy of the example app, then
 * rehearse two deploys on one sandbox with real uv, SQLite and a live app.
 */
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { cli, exampleCopy, sqliteRows, tempDir, type Result } from './helpers.js';

async function migrationsIn(path: string): Promise<string[]> {
  const rows = await sqliteRows(path, 'SELECT name FROM mcc_migrations ORDER BY name');
  return rows.map((row) => String(row[0]));
}

function restartedPids(result: Result): string[] {
  return [...result.stdout.matchAll(/restarted as pid (\d+)/g)].map((match) => match[1]!);
}

async function tryTwice(flags: string[]) {
  const repo = exampleCopy();
  const generated = await cli(
    'create',
    ['--yes', '--remote-host', 'app.example.com', ...flags],
    repo,
  );
  expect(generated.stderr).toBe('');
  expect(generated.exitCode).toBe(0);
  const sandbox = tempDir('sandbox');
  const first = await cli('mcc', ['try', '--stage', 'dev', '--sandbox', sandbox], repo);
  expect(first.stdout + first.stderr).toContain('try passed');
  expect(first.exitCode).toBe(0);
  const second = await cli('mcc', ['try', '--stage', 'dev', '--sandbox', sandbox], repo);
  expect(second.stdout + second.stderr).toContain('try passed');
  expect(second.exitCode).toBe(0);
  return { repo, sandbox, first, second };
}

function expectTwoReleases(sandbox: string) {
  const releases = readdirSync(join(sandbox, 'api')).sort();
  expect(releases).toHaveLength(2);
  expect(readlinkSync(join(sandbox, 'current-api'))).toBe(`api/${releases[1]}`);
  for (const release of releases) {
    expect(existsSync(join(sandbox, 'api', release, '.venv', 'bin', 'python'))).toBe(true);
    expect(existsSync(join(sandbox, 'api', release, 'mcc-release.json'))).toBe(true);
  }
}

describe('mcc try', () => {
  it('deploys the single-tenant example twice: two releases, migrated once, live app', async () => {
    const { sandbox, first, second } = await tryTwice([
      '--services',
      'notes-api,notes-worker',
      '--cron',
      'backup,health-check',
    ]);
    expectTwoReleases(sandbox);
    expect(await migrationsIn(join(sandbox, 'data', 'notes_api.db'))).toEqual(['0001_initial']);
    expect(first.stdout).toContain('default: applied 0001_initial');
    expect(second.stdout).toContain('every database is up to date');
    expect(second.stdout).toMatch(/answered 200: \{"status":"ok","database":"ready"\}/);
    const [api1, worker1] = restartedPids(first);
    const [api2, worker2] = restartedPids(second);
    expect(api2).not.toBe(api1);
    expect(worker2).not.toBe(worker1);
    expect(existsSync(join(sandbox, 'logs', 'notes-worker.heartbeat'))).toBe(true);
    const crontab = readFileSync(join(sandbox, '.mcc-try', 'crontab'), 'utf8');
    expect(crontab.match(/# >>> mcc notes-api dev >>>/g)).toHaveLength(1);
    expect(crontab).toContain('-m mcc.cron.backup');
    expect(crontab).toContain('-m mcc.cron.health_check');
  });

  it('deploys the multi-tenant example twice: each domain migrated exactly once', async () => {
    const domains = ['a.example.com', 'b.example.com', 'c.example.com'];
    const { sandbox, second } = await tryTwice([
      '--tenancy',
      'multi',
      '--domains',
      domains.join(','),
    ]);
    expectTwoReleases(sandbox);
    for (const domain of domains) {
      expect(await migrationsIn(join(sandbox, 'domains', domain, 'notes_api.db'))).toEqual([
        '0001_initial',
      ]);
    }
    expect(second.stdout).toContain('every database is up to date');
    expect(second.stdout).toContain('answered 200');
  });

  it('fails with a clear line when the repository has no pipeline', async () => {
    const result = await cli('mcc', ['try', '--stage', 'dev'], exampleCopy());
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /^error: no mcc_build.py in .*: run npx create-mcc-pipeline there first$/,
    );
  });
});
