/**
 * Migration faults on a five-domain deployment: a migration that fails in the third domain
 * after creating a table, a write transaction held open on a tenant database, and a migration
 * file still as `mcc add migration` wrote it.
 */
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { cli } from '../helpers.js';
import {
  appPid,
  closeSandbox,
  current,
  deploy,
  dump,
  expectSuccess,
  failureLine,
  makeSandbox,
  migrationsIn,
  releases,
  upload,
  type Sandbox,
} from './sandbox.js';

const DOMAINS = ['a', 'b', 'c', 'd', 'e'].map((letter) => `${letter}.example.com`);
const MIGRATIONS = {
  '0002_audit.sql': 'CREATE TABLE audit (id INTEGER PRIMARY KEY, note TEXT);\n',
  '0003_labels.sql':
    'CREATE TABLE labels (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE extra (id INTEGER);\n',
};

let sandbox: Sandbox;
const database = (domain: string) => join(sandbox.base, 'domains', domain, 'notes_api.db');

async function sql(domain: string, statement: string): Promise<void> {
  const script =
    'import sqlite3, sys\n' +
    'sqlite3.connect(sys.argv[1], isolation_level=None).execute(sys.argv[2])\n';
  await execa('python3', ['-c', script, database(domain), statement]);
}

/**
 * Holds BEGIN IMMEDIATE with one insert; prints "holding", then commits on stdin EOF or
 * after `seconds`.
 */
function holdWriteTransaction(domain: string, seconds: number): ResultPromise {
  const script =
    'import sqlite3, sys, select\n' +
    'db = sqlite3.connect(sys.argv[1], isolation_level=None)\n' +
    'db.execute("BEGIN IMMEDIATE")\n' +
    'db.execute("INSERT INTO notes (body) VALUES (\'written while deploying\')")\n' +
    'print("holding", flush=True)\n' +
    'select.select([sys.stdin], [], [], float(sys.argv[2]))\n' +
    'db.execute("COMMIT")\n' +
    'print("committed", flush=True)\n';
  return execa('python3', ['-c', script, database(domain), String(seconds)], { stdin: 'pipe' });
}

async function started(writer: ResultPromise): Promise<void> {
  await new Promise<void>((resolve) => {
    writer.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('holding')) resolve();
    });
  });
}

function uploadWithMigrations(conf: Record<string, unknown> = {}): string {
  const folder = upload(sandbox, conf);
  for (const [name, text] of Object.entries(MIGRATIONS)) {
    writeFileSync(join(folder, 'mcc', 'migrations', name), text);
  }
  return folder;
}

beforeAll(async () => {
  sandbox = await makeSandbox(['--tenancy', 'multi', '--domains', DOMAINS.join(',')]);
});

afterAll(async () => {
  await closeSandbox(sandbox);
});

describe('migrations under faults', () => {
  it('leaves all five databases as they were when the third fails midway', async () => {
    await sql('c.example.com', 'CREATE TABLE extra (id INTEGER)');
    const before = await Promise.all(DOMAINS.map((domain) => dump(database(domain))));
    const link = current(sandbox.base);
    const names = releases(sandbox.base);
    const pid = appPid(sandbox);

    const result = await deploy(uploadWithMigrations());
    expect(failureLine(result)).toMatch(
      new RegExp(
        '^deploy failed at step 4 \\(Back up and migrate the databases\\): migration ' +
          '0003_labels failed on c\\.example\\.com ' +
          '\\(.*/domains/c\\.example\\.com/notes_api\\.db\\): ' +
          'table extra already exists; restored a\\.example\\.com, b\\.example\\.com ' +
          'from the backups; the rest unchanged\\. ' +
          `Now: current-api -> ${link}, as before this run; services not restarted$`,
      ),
    );
    expect(result.stdout).toContain('a.example.com: applied 0002_audit, 0003_labels');
    expect(await Promise.all(DOMAINS.map((domain) => dump(database(domain))))).toEqual(before);
    expect(current(sandbox.base)).toBe(link);
    expect(releases(sandbox.base)).toEqual(names);
    expect(appPid(sandbox)).toBe(pid);
    await sql('c.example.com', 'DROP TABLE extra');
  });

  it('refuses a migration file of comments only before touching any database', async () => {
    const added = await cli('mcc', ['add', 'migration', 'add_tags', '--yes'], sandbox.repo);
    expect(added.stderr).toBe('');
    const folder = uploadWithMigrations();
    const file = join('mcc', 'migrations', '0004_add_tags.sql');
    copyFileSync(join(sandbox.repo, 'mcc', 'migrations', '0002_add_tags.sql'), join(folder, file));
    const before = await Promise.all(DOMAINS.map((domain) => dump(database(domain))));
    const link = current(sandbox.base);
    const names = releases(sandbox.base);
    const backups = join(sandbox.base, 'backups', 'deploy');
    const copies = existsSync(backups) ? readdirSync(backups) : [];

    const result = await deploy(folder);
    expect(failureLine(result)).toBe(
      'deploy failed at step 4 (Back up and migrate the databases): ' +
        'mcc/migrations/0004_add_tags.sql holds only comments: write its SQL or remove the ' +
        `file. Now: current-api -> ${link}, as before this run; services not restarted`,
    );
    expect(await Promise.all(DOMAINS.map((domain) => dump(database(domain))))).toEqual(before);
    expect(existsSync(backups) ? readdirSync(backups) : []).toEqual(copies);
    expect(releases(sandbox.base)).toEqual(names);
  });

  it('gives up on a database another writer holds at the deadline, unchanged', async () => {
    const link = current(sandbox.base);
    const writer = holdWriteTransaction('c.example.com', 60);
    await started(writer);
    const result = await deploy(uploadWithMigrations({ DATABASE_BUSY_TIMEOUT: 2 }));
    writer.stdin!.end();
    expect((await writer).stdout).toContain('committed');

    expect(failureLine(result)).toMatch(
      new RegExp(
        '^deploy failed at step 4 \\(Back up and migrate the databases\\): taking its ' +
          'write lock failed on c\\.example\\.com \\(.*\\): database is locked: another ' +
          'writer kept it busy for more than 2s; restored a\\.example\\.com, ' +
          'b\\.example\\.com from the backups; the rest unchanged\\. ' +
          `Now: current-api -> ${link}, as before this run; services not restarted$`,
      ),
    );
    for (const domain of DOMAINS) {
      expect(await migrationsIn(database(domain))).toEqual(['0001_initial']);
    }
    const integrity = await execa('python3', [
      '-c',
      'import sqlite3, sys\n' +
        'print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])',
      database('c.example.com'),
    ]);
    expect(integrity.stdout).toBe('ok');
    expect(await dump(database('c.example.com'))).toContain('written while deploying');
    expect(current(sandbox.base)).toBe(link);
  });

  it('waits for a writer that finishes in time, then migrates each domain once', async () => {
    const writer = holdWriteTransaction('c.example.com', 60);
    await started(writer);
    const result = await deploy(uploadWithMigrations({ DATABASE_BUSY_TIMEOUT: 60 }), {
      onStep: (step) => {
        if (step === 4) setTimeout(() => writer.stdin!.end(), 2000);
      },
    });
    expect(result.stdout).toMatch(
      /^\[4\] Back up and migrate the databases: done in ([2-9]|\d\d)\./m,
    );
    expect((await writer).stdout).toContain('committed');
    expectSuccess(result);
    for (const domain of DOMAINS) {
      expect(await migrationsIn(database(domain))).toEqual([
        '0001_initial',
        '0002_audit',
        '0003_labels',
      ]);
    }
    expect(await dump(database('c.example.com'))).toContain('written while deploying');
  });
});
