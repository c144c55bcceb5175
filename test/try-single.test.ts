/**
 * The main job end to end: generate into a copy of the example app, then
 * rehearse two deploys on one sandbox with real uv, SQLite and a live app.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

import { cli, exampleCopy } from './helpers.js';
import { expectTwoReleases, migrationsIn, restartedPids, tryTwice } from './try-helpers.js';

describe('mcc try', () => {
  it('deploys the single-tenant example twice: two releases, migrated once, live app', async () => {
    const { repo, sandbox, first, second } = await tryTwice(
      ['--services', 'notes-api,notes-worker', '--cron', 'backup,health-check'],
      ['--keep-running'],
    );
    expectTwoReleases(sandbox);
    // The second release shares the files it has unchanged, and only those.
    const [older, newer] = readdirSync(join(sandbox, 'api')).sort();
    const inode = (release: string, file: string) =>
      statSync(join(sandbox, 'api', release, file)).ino;
    expect(inode(newer!, 'app/main.py')).toBe(inode(older!, 'app/main.py'));
    expect(inode(newer!, 'mcc-release.json')).not.toBe(inode(older!, 'mcc-release.json'));
    expect(inode(newer!, 'mcc/settings.json')).not.toBe(inode(older!, 'mcc/settings.json'));
    expect(second.stdout).toMatch(/ \d+ files copied, \d+ shared with the running release/);
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

    const cron = (job: string) =>
      execa('.venv/bin/python', ['-m', `mcc.cron.${job}`], {
        cwd: join(sandbox, 'current-api'),
        reject: false,
      });
    expect((await cron('health_check')).exitCode).toBe(0);
    const backup = await cron('backup');
    expect(backup.stdout).toMatch(/^default: .*\/backups\/daily\/\d{8}T\d{6}Z\/default\.db$/m);
    const [copy] = backup.stdout.split(': ')[1]!.split('\n');
    expect(await migrationsIn(copy!)).toEqual(['0001_initial']);

    expect((await cli('mcc', ['stop', '--sandbox', sandbox], repo)).exitCode).toBe(0);
    expect((await cron('health_check')).exitCode).toBe(1);
  });

  it('fails with a clear line when the repository has no pipeline', async () => {
    const result = await cli('mcc', ['try', '--stage', 'dev'], exampleCopy());
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /^error: no mcc_build.py in .*: run npx create-mcc-pipeline there first$/,
    );
  });
});
