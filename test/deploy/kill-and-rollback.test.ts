/**
 * Faults on a single-tenant deployment with a cron job: the deploy killed at every step,
 * two deploys at once, a failing smoke test, a rollback across a uv.lock change, and a
 * release dated later than the clock.
 */
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  answers,
  appPid,
  appRelease,
  closeSandbox,
  current,
  deploy,
  expectSuccess,
  failureLine,
  isComplete,
  makeSandbox,
  migrationsIn,
  releases,
  upload,
  type Sandbox,
} from './sandbox.js';

const STEPS = [
  'Create the release',
  'Sync its virtual environment',
  'Fix ownership and permissions',
  'Back up and migrate the databases',
  'Switch the current links',
  'Install the cron jobs',
  'Restart the services',
  'Smoke-test',
  'Clean up old releases',
];

let sandbox: Sandbox;
const database = () => join(sandbox.base, 'data', 'notes_api.db');

async function tables(path: string): Promise<string[]> {
  const script =
    'import sqlite3, sys\n' +
    'db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)\n' +
    'tables = db.execute("SELECT name FROM sqlite_master WHERE type=\'table\'")\n' +
    'print(",".join(sorted(r[0] for r in tables)))\n';
  return (await execa('python3', ['-c', script, path])).stdout.split(',');
}

/** What must hold whenever a deploy has stopped, however it stopped. */
async function expectConsistent() {
  expect(isComplete(sandbox.base, current(sandbox.base))).toBe(true);
  const applied = await migrationsIn(database());
  expect(['0001_initial', '0001_initial,0002_tags']).toContain(applied.join(','));
  expect((await tables(database())).includes('tags')).toBe(applied.includes('0002_tags'));
  const crontab = readFileSync(join(sandbox.state, 'crontab'), 'utf8');
  expect(crontab.match(/^# >>> mcc notes-api dev >>>$/gm)).toHaveLength(1);
  expect(crontab.match(/-m mcc\.cron\.backup/g)).toHaveLength(1);
  expect(await answers(sandbox)).toContain('"status":"ok"');
}

beforeAll(async () => {
  sandbox = await makeSandbox(['--cron', 'backup']);
});

afterAll(async () => {
  await closeSandbox(sandbox);
});

describe('the generated deploy under faults', () => {
  it('survives SIGKILL at every step boundary, then deploys cleanly', async () => {
    const folder = upload(sandbox);
    writeFileSync(
      join(folder, 'mcc', 'migrations', '0002_tags.sql'),
      'CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n',
    );
    const names = new Set(releases(sandbox.base));
    let previousKill = '';
    for (const [index, title] of STEPS.entries()) {
      const killed = await deploy(folder, { killAtStep: index + 1 });
      expect(killed.killed, `step ${index + 1} ${title}`).toBe(true);
      expect(killed.stdout).toContain(`[${index + 1}] ${title}`);
      if (previousKill) {
        expect(killed.stdout).toContain('taking over the lock of a deploy that stopped: pid');
      }
      previousKill = title;
      await expectConsistent();
      for (const name of releases(sandbox.base)) names.add(name);
    }

    const again = await deploy(folder);
    expectSuccess(again);
    await expectConsistent();
    expect(await migrationsIn(database())).toEqual(['0001_initial', '0002_tags']);
    const latest = current(sandbox.base);
    expect(releases(sandbox.base).at(-1)).toBe(latest);
    expect(names.has(latest)).toBe(false);
    expect(appRelease(sandbox)).toBe(latest);
  });

  it('refuses the second of two deploys started together, naming the holder', async () => {
    const folder = upload(sandbox);
    const lockFile = join(sandbox.base, '.mcc-deploy.lock');
    const [one, two] = [deploy(folder), deploy(folder)];
    const loser = await Promise.race([one, two]);
    expect(failureLine(loser)).toMatch(
      new RegExp(
        '^deploy failed: another deploy is running here: pid \\d+ on \\S+ since \\S+Z, ' +
          'build 7 from main @ 01234567\\. Now: nothing was changed$',
        'm',
      ),
    );
    const holder = readFileSync(lockFile, 'utf8');
    expect(holder).toMatch(/^pid \d+ on /);
    expect(loser.stderr).toContain(holder);
    const winner = (await one) === loser ? await two : await one;
    expectSuccess(winner);
    expect(readFileSync(lockFile, 'utf8')).toBe('');
  });

  it('switches back when the smoke test fails, and the previous release serves', async () => {
    const before = current(sandbox.base);
    const pidBefore = appPid(sandbox);
    const folder = upload(sandbox, { SMOKE_TIMEOUT: 3 });
    const main = join(folder, 'app', 'main.py');
    writeFileSync(
      main,
      readFileSync(main, 'utf8').replace(
        'def health() -> dict:\n',
        'def health() -> dict:\n    raise HTTPException(status_code=500, detail="broken")\n',
      ),
    );
    const result = await deploy(folder);
    expect(failureLine(result)).toMatch(
      new RegExp(
        `^deploy failed at step 8 \\(Smoke-test\\): http://127\\.0\\.0\\.1:\\d+/api/health ` +
          `did not answer 200 within 3s \\(HTTP 500\\); switched back to ${before}, which ` +
          `answers\\. Now: current-api -> ${before}, as before this run; services restarted on it$`,
      ),
    );
    expect(current(sandbox.base)).toBe(before);
    expect(appPid(sandbox)).not.toBe(pidBefore);
    expect(appRelease(sandbox)).toBe(before);
    expect(await answers(sandbox)).toContain('"status":"ok"');
  });

  it('rolls back to the dependencies the old release was deployed with', async () => {
    const old = current(sandbox.base);
    const sitePackages = (release: string) =>
      readdirSync(join(sandbox.base, 'api', release, '.venv', 'lib'))
        .map((python) =>
          join(sandbox.base, 'api', release, '.venv', 'lib', python, 'site-packages'),
        )
        .flatMap((folder) => readdirSync(folder))
        .sort();
    const oldPackages = sitePackages(old);
    expect(oldPackages.some((name) => name.startsWith('httpx'))).toBe(false);

    const folder = upload(sandbox);
    chmodSync(join(folder, 'app', 'worker.py'), 0o755);
    const pyproject = join(folder, 'pyproject.toml');
    writeFileSync(
      pyproject,
      readFileSync(pyproject, 'utf8').replace(
        '"uvicorn>=0.30"]',
        '"uvicorn>=0.30", "httpx>=0.27"]',
      ),
    );
    await execa('uv', ['lock'], { cwd: folder, env: { UV_NATIVE_TLS: '1' } });
    const result = await deploy(folder);
    expectSuccess(result);
    const changed = current(sandbox.base);
    expect(sitePackages(changed).some((name) => name.startsWith('httpx'))).toBe(true);
    expect(sitePackages(old)).toEqual(oldPackages);
    const record = (release: string) =>
      JSON.parse(readFileSync(join(sandbox.base, 'api', release, 'mcc-release.json'), 'utf8'));
    expect(record(changed).uv_lock_sha256).not.toBe(record(old).uv_lock_sha256);
    // Releases share unchanged files, never a changed one.
    // A file whose mode alone changed is the new release's own.
    const mode = (release: string) =>
      statSync(join(sandbox.base, 'api', release, 'app', 'worker.py')).mode & 0o111;
    expect([mode(old), mode(changed)]).toEqual([0, 0o111]);
    for (const release of [old, changed]) {
      const lock = readFileSync(join(sandbox.base, 'api', release, 'uv.lock'));
      expect(createHash('sha256').update(lock).digest('hex')).toBe(record(release).uv_lock_sha256);
    }
    expect(record(changed).build.build_number).toBe(7);

    const back = await deploy(folder, { stage: 'rollback-dev' });
    expectSuccess(back);
    expect(back.stdout).toContain(`rolled back from ${changed} to ${old}`);
    expect(current(sandbox.base)).toBe(old);
    expect(appRelease(sandbox)).toBe(old);
    const python = readFileSync(`/proc/${appPid(sandbox)}/cmdline`, 'utf8').split('\0')[0];
    expect(python).toContain(`/api/${old}/.venv/bin/python`);
    expect(await answers(sandbox)).toContain('"status":"ok"');

    const forward = await deploy(folder, { args: ['--rollback', '--to', changed] });
    expectSuccess(forward);
    expect(appRelease(sandbox)).toBe(changed);
    const missing = await deploy(folder, { args: ['--rollback', '--to', 'vrs-nope'] });
    expect(failureLine(missing)).toMatch(
      /^rollback failed: release 'vrs-nope' is not a complete release/,
    );
  });

  it('names a release after one dated later than the clock (clock set back)', async () => {
    const later = `vrs-${new Date(Date.now() + 3_600_000)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.(\d+)Z$/, '.$1000Z')}`;
    mkdirSync(join(sandbox.base, 'api', later));
    const result = await deploy(upload(sandbox));
    expectSuccess(result);
    expect(current(sandbox.base)).toBe(`${later}.1`);
    expect(releases(sandbox.base).at(-1)).toBe(`${later}.1`);
  });
});
