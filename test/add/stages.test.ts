/**
 * The handler stages doing their job at deploy time: the example app with a
 * prod and a dev sandbox, each stage run through `mcc try` with the real
 * mcc_deploy.py, SQLite files and a live app; the deploy afterwards still
 * passes its smoke test.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';

import { HANDLER_STAGES } from '../../src/choices.js';
import { cli, sqliteRows, tempDir, type Result, generatedExample } from '../helpers.js';

const DATABASE = join('data', 'notes_api.db');
let repo: string;
let prod: string;
let dev: string;

function passed(result: Result): void {
  expect(result.stdout + result.stderr).toContain('try passed');
  expect(result.exitCode).toBe(0);
}

async function tryStage(stage: string, sandbox: string, ...extra: string[]): Promise<Result> {
  return cli(
    'mcc',
    ['try', '--stage', stage, '--sandbox', sandbox, '--skip-build', ...extra],
    repo,
  );
}

async function notes(sandbox: string): Promise<string[]> {
  const rows = await sqliteRows(join(sandbox, DATABASE), 'SELECT body FROM notes ORDER BY id');
  return rows.map((row) => String(row[0]));
}

async function addNote(sandbox: string, body: string): Promise<void> {
  const script =
    'import sqlite3, sys\n' +
    'with sqlite3.connect(sys.argv[1]) as db:\n' +
    '    db.execute("INSERT INTO notes (body) VALUES (?)", (sys.argv[2],))\n';
  await execa('python3', ['-c', script, join(sandbox, DATABASE), body]);
}

beforeAll(async () => {
  repo = await generatedExample();
  for (const stage of Object.keys(HANDLER_STAGES)) {
    const added = await cli('mcc', ['add', 'stage', stage, '--yes'], repo);
    expect(added.stderr).toBe('');
  }
  prod = tempDir('prod');
  dev = tempDir('dev');
  passed(await cli('mcc', ['try', '--stage', 'prod', '--sandbox', prod], repo));
  passed(await tryStage('dev', dev));
}, 300_000);

describe('handler stages under mcc try', () => {
  it('clone-prod-to-dev copies prod into dev through a backup and refuses one folder', async () => {
    // The copies go under dev's BACKUP_PATH, wherever that is.
    const conf = join(repo, 'output', 'mcc', 'conf-dev.yml');
    const text = readFileSync(conf, 'utf8');
    writeFileSync(conf, text.replace('{{REMOTE_BASE}}/backups', '{{REMOTE_BASE}}/saved'));
    await addNote(prod, 'from prod');
    await addNote(dev, 'only in dev');
    const cloned = await tryStage('clone-prod-to-dev', dev, '--source-sandbox', prod);
    writeFileSync(conf, text);
    passed(cloned);
    expect(await notes(dev)).toEqual(['from prod']);
    expect(await notes(prod)).toEqual(['from prod']);
    expect(existsSync(join(dev, 'backups', 'clone'))).toBe(false);
    const [clone] = readdirSync(join(dev, 'saved', 'clone'));
    expect(existsSync(join(dev, 'saved', 'clone', clone!, 'default.db'))).toBe(true);
    const [before] = readdirSync(join(dev, 'saved', 'pre-clone'));
    expect(
      await sqliteRows(
        join(dev, 'saved', 'pre-clone', before!, 'default.db'),
        'SELECT body FROM notes',
      ),
    ).toEqual([['only in dev']]);
    // Every line the handler prints is inside a numbered step.
    const migrateStep = 'Migrate them to the current release';
    expect(cloned.stdout).toMatch(
      new RegExp(
        `^\\[(\\d+)\\] ${migrateStep}\\n {2}default: applied nothing\\n` +
          `\\[\\1\\] ${migrateStep}: done in `,
        'm',
      ),
    );
    expect(cloned.stdout).toMatch(
      /^\[(\d+)\] Fix ownership and permissions\n\[\1\] Fix ownership and permissions: done in /m,
    );

    const same = await tryStage('clone-prod-to-dev', dev, '--source-sandbox', dev);
    expect(same.stderr).toMatch(/^error: --source-sandbox ".*": it is the --sandbox itself/);
    expect(same.exitCode).toBe(2);
    const prodAsDev = await tryStage('clone-prod-to-dev', prod, '--source-sandbox', prod);
    expect(prodAsDev.exitCode).toBe(2);
    const devAsProd = await tryStage('clone-prod-to-dev', tempDir('dev2'), '--source-sandbox', dev);
    expect(devAsProd.stderr).toMatch(
      /^error: --source-sandbox ".*": it holds a rehearsal of dev, /,
    );
    expect(devAsProd.stderr).toContain('but --stage clone-prod-to-dev works on prod there');
    expect(devAsProd.exitCode).toBe(2);
    expect(await notes(prod)).toEqual(['from prod']);

    // A config.yml edited by hand to clone into prod is refused before anything changes.
    const configs = [join(repo, 'config.yml'), join(repo, 'output', 'config.yml')];
    const routing = readFileSync(configs[0]!, 'utf8');
    const reversed = routing.replace(
      'source_conf: conf-prod.yml\n      conf: conf-dev.yml',
      'source_conf: conf-dev.yml\n      conf: conf-prod.yml',
    );
    expect(reversed).not.toBe(routing);
    for (const config of configs) writeFileSync(config, reversed);
    const intoProd = await tryStage('clone-prod-to-dev', prod, '--source-sandbox', dev);
    for (const config of configs) writeFileSync(config, routing);
    expect(intoProd.stderr).toContain("is the prod stage's; refusing to overwrite its databases");
    expect(intoProd.exitCode).toBe(1);
    expect(await notes(prod)).toEqual(['from prod']);

    const empty = tempDir('empty-prod');
    mkdirSync(join(empty, '.mcc-try'));
    const nothing = await tryStage('clone-prod-to-dev', dev, '--source-sandbox', empty);
    expect(nothing.exitCode).toBe(1);
    expect(nothing.stderr).toContain(`the source ${empty} has no database for default`);
    expect(await notes(dev)).toEqual(['from prod']);

    const unnamed = await tryStage('clone-prod-to-dev', dev);
    expect(unnamed.exitCode).toBe(2);
    expect(unnamed.stderr).toMatch(
      /^error: --stage clone-prod-to-dev copies from .*--source-sandbox/,
    );
  }, 120_000);

  it('clone-prod-to-dev refuses confs that name one folder, also through a link', async () => {
    // mcc try refuses this before the handler runs; confs on a server can still do it.
    const upload = tempDir('upload');
    cpSync(join(repo, 'output'), upload, { recursive: true });
    const folder = tempDir('one-folder');
    const link = join(tempDir('links'), 'dev');
    symlinkSync(folder, link);
    for (const [conf, base] of [
      ['conf-prod.yml', folder],
      ['conf-dev.yml', link],
    ] as const) {
      const path = join(upload, 'mcc', conf);
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, text.replace(/^REMOTE_BASE: .*$/m, `REMOTE_BASE: ${base}`));
    }
    const result = await execa('uv', ['run', 'mcc_deploy.py', '--stage', 'clone-prod-to-dev'], {
      cwd: upload,
      env: { UV_NATIVE_TLS: '1' },
      reject: false,
      all: true,
    });
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain(`the source and the target are the same folder (${link})`);
    expect(readdirSync(folder).filter((name) => name !== '.mcc-deploy.lock')).toEqual([]);
  });

  it('rollback in a sandbox with nothing deployed says so', async () => {
    const result = await tryStage('rollback-dev', tempDir('nothing-deployed'));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/nothing is deployed in \S+ yet: no release to go back to/);
  });

  it('db-backup writes a copy that db-restore brings back, saving the state first', async () => {
    const fresh = await tryStage('db-backup', tempDir('fresh-prod'));
    passed(fresh);
    expect(fresh.stdout).toContain('no database to back up yet');
    passed(await tryStage('db-backup', prod));
    const [daily] = readdirSync(join(prod, 'backups', 'daily'));
    expect(existsSync(join(prod, 'backups', 'daily', daily!, 'default.db'))).toBe(true);
    await addNote(prod, 'after the backup');
    const restored = await tryStage('db-restore', prod);
    passed(restored);
    expect(restored.stdout).toContain(`restored ${join(prod, 'backups', 'daily', daily!)}`);
    expect(await notes(prod)).toEqual(['from prod']);
    const [saved] = readdirSync(join(prod, 'backups', 'pre-restore'));
    expect(
      await sqliteRows(
        join(prod, 'backups', 'pre-restore', saved!, 'default.db'),
        'SELECT count(*) FROM notes',
      ),
    ).toEqual([[2]]);
  }, 120_000);

  it('reset-dev wipes dev and deploys it fresh', async () => {
    // Never in a sandbox that holds a rehearsal of prod.
    const wrong = await tryStage('reset-dev', prod);
    expect(wrong.stderr).toMatch(/^error: --sandbox ".*": it holds a rehearsal of prod, but /);
    expect(wrong.exitCode).toBe(2);
    expect(await notes(prod)).toEqual(['from prod']);
    const releases = readdirSync(join(dev, 'api')).length;
    passed(await tryStage('reset-dev', dev));
    expect(await notes(dev)).toEqual([]);
    expect(readdirSync(join(dev, 'api'))).toHaveLength(releases + 1);
    expect(readdirSync(join(dev, 'backups', 'pre-reset'))).toHaveLength(1);
  }, 120_000);

  it('maintenance-on sets the flag file once and maintenance-off clears it', async () => {
    const flag = join(prod, 'maintenance.flag');
    passed(await tryStage('maintenance-on', prod));
    expect(readFileSync(flag, 'utf8')).toMatch(/^since \d{4}-\d\d-\d\dT.*Z, a local build/);
    expect((await tryStage('maintenance-on', prod)).stdout).toContain('already set');
    passed(await tryStage('maintenance-off', prod));
    expect(existsSync(flag)).toBe(false);
  }, 120_000);

  it('leaves a pipeline whose deploy still passes its smoke test', async () => {
    const result = await tryStage('dev', dev);
    passed(result);
    expect(result.stdout).toMatch(/answered 200/);
  }, 120_000);
});
