/**
 * PostgreSQL migrations under faults, on the live server .ci/setup starts: a two-domain dev
 * sandbox deployed with the real mcc_deploy.py while another session holds a lock on one
 * domain's table, and a migration file still as `mcc add migration` wrote it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { dropDatabases, POSTGRES, postgresRows, throwawayName } from '../helpers.js';
import {
  closeSandbox,
  current,
  deploy,
  expectSuccess,
  failureLine,
  makeSandbox,
  releases,
  upload,
  type Sandbox,
} from './sandbox.js';

const INITIAL = 'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);\n';
const TAGS = 'ALTER TABLE notes ADD COLUMN tag text;\n';
const DOMAINS = ['a.example.com', 'b.example.com'];
const prefix = throwawayName('locks');
const database = (domain: string) => `${prefix}_dev_${domain.replaceAll('.', '_')}`;
/** The table lock modes the tests take, as pg_locks names them. */
const LOCKS = { 'ACCESS EXCLUSIVE': 'AccessExclusiveLock', 'ACCESS SHARE': 'AccessShareLock' };
let sandbox: Sandbox;

function uploadWith(migrations: Record<string, string>): string {
  const folder = upload(sandbox, {
    ENV_FILE: join(sandbox.state, 'env'),
    DATABASE_BUSY_TIMEOUT: 2,
  });
  for (const [name, sql] of Object.entries(migrations)) {
    writeFileSync(join(folder, 'mcc', 'migrations', name), sql);
  }
  return folder;
}

/** Another session holding a lock on the notes table of a domain until release() is called. */
async function holdLock(domain: string, mode: keyof typeof LOCKS) {
  const session: ResultPromise = execa(
    'psql',
    ['--no-psqlrc', '-v', 'ON_ERROR_STOP=1', '--dbname', `${POSTGRES}/${database(domain)}`],
    { stdin: 'pipe', reject: false },
  );
  session.stdin!.write(`BEGIN;\nLOCK TABLE notes IN ${mode} MODE;\n`);
  const granted =
    'SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation ' +
    `WHERE c.relname = 'notes' AND l.granted AND l.pid <> pg_backend_pid() ` +
    `AND l.mode = '${LOCKS[mode]}'`;
  const deadline = Date.now() + 10_000;
  while ((await postgresRows(database(domain), granted))[0]![0] === '0') {
    if (Date.now() > deadline) throw new Error(`no ${mode} lock on ${domain}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return async () => {
    session.stdin!.end('COMMIT;\n');
    expect((await session).exitCode).toBe(0);
  };
}

async function migrationsIn(domain: string): Promise<string[]> {
  const rows = await postgresRows(database(domain), 'SELECT name FROM mcc_migrations ORDER BY 1');
  return rows.map(([name]) => name!);
}

async function columns(domain: string): Promise<string[]> {
  const rows = await postgresRows(
    database(domain),
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'notes' " +
      'ORDER BY ordinal_position',
  );
  return rows.map(([name]) => name!);
}

async function expectUnchanged(): Promise<void> {
  for (const domain of DOMAINS) {
    expect(await migrationsIn(domain)).toEqual(['0001_initial']);
    expect(await columns(domain)).toEqual(['id', 'body']);
  }
}

beforeAll(async () => {
  sandbox = await makeSandbox(
    ['--database', 'postgres', '--tenancy', 'multi', '--domains', DOMAINS.join(',')],
    {
      prepare: (repo) =>
        writeFileSync(join(repo, 'mcc', 'migrations', '0001_initial.sql'), INITIAL),
      env: { DATABASE_URL: `${POSTGRES}/${prefix}_{stage}` },
    },
  );
});

afterAll(async () => {
  await closeSandbox(sandbox);
  await dropDatabases(prefix);
});

describe('PostgreSQL migrations under faults', () => {
  it('gives up on a table locked by another session after DATABASE_BUSY_TIMEOUT', async () => {
    const link = current(sandbox.base);
    const release = await holdLock('b.example.com', 'ACCESS EXCLUSIVE');
    const started = Date.now();
    const result = await deploy(uploadWith({ '0002_tags.sql': TAGS }));
    const seconds = (Date.now() - started) / 1000;
    await release();

    expect(failureLine(result)).toBe(
      'deploy failed at step 4 (Back up and migrate the databases): pg_dump failed on ' +
        'b.example.com: pg_dump: error: query failed: ERROR:  canceling statement due to ' +
        'statement timeout: another session held a lock on it for more than 2s; no database ' +
        `was changed. Now: current-api -> ${link}, as before this run; services not restarted`,
    );
    expect(seconds).toBeLessThan(25);
    await expectUnchanged();
    expect(current(sandbox.base)).toBe(link);
  });

  it('restores every database when a migration waits too long for a reader', async () => {
    const link = current(sandbox.base);
    const names = releases(sandbox.base);
    const release = await holdLock('b.example.com', 'ACCESS SHARE');
    const result = await deploy(uploadWith({ '0002_tags.sql': TAGS }));
    await release();

    const [before, after] = failureLine(result).split(/ psql:<stdin>:\d+: /);
    expect(before).toBe(
      'deploy failed at step 4 (Back up and migrate the databases): migration 0002_tags ' +
        `failed on b.example.com (${database('b.example.com')}): psql failed on b.example.com:`,
    );
    expect(after).toBe(
      'ERROR:  canceling statement due to lock timeout: another session held a lock on it ' +
        'for more than 2s; restored a.example.com from the backups; the rest unchanged. ' +
        `Now: current-api -> ${link}, as before this run; services not restarted`,
    );
    expect(result.stdout).toContain('a.example.com: applied 0002_tags');
    await expectUnchanged();
    expect(releases(sandbox.base)).toEqual(names);
  });

  it('refuses a migration file of comments only before touching any database', async () => {
    const empty = '-- add_tags: to be written\n\n/* later */\n';
    const result = await deploy(uploadWith({ '0002_tags.sql': TAGS, '0003_add_tags.sql': empty }));
    expect(failureLine(result)).toMatch(
      new RegExp(
        '^deploy failed at step 4 \\(Back up and migrate the databases\\): ' +
          'mcc/migrations/0003_add_tags\\.sql holds only comments: ' +
          'write its SQL or remove the file\\. Now: ',
      ),
    );
    await expectUnchanged();
  });

  it('migrates every domain once nothing holds a lock', async () => {
    expectSuccess(await deploy(uploadWith({ '0002_tags.sql': TAGS })));
    for (const domain of DOMAINS) {
      expect(await migrationsIn(domain)).toEqual(['0001_initial', '0002_tags']);
      expect(await columns(domain)).toEqual(['id', 'body', 'tag']);
    }
  });
});
