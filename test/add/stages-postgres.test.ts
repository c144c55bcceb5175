/**
 * The database stages of a PostgreSQL project at deploy time: the example app
 * with a prod and a dev sandbox on the live server .ci/setup starts, each
 * stage run through `mcc try` with the real mcc_deploy.py, the rows read back
 * with psql. One URL serves both sandboxes: `{stage}` names their databases.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { sandboxDatabaseUrl } from '../../src/try/index.js';
import {
  cli,
  dropDatabases,
  POSTGRES,
  postgresRows,
  tempDir,
  throwawayName,
  type Result,
  generatedExample,
} from '../helpers.js';

const INITIAL = `CREATE TABLE notes (
    id serial PRIMARY KEY,
    body text NOT NULL
);
`;
const STAGES = ['db-backup', 'db-restore', 'clone-prod-to-dev'];
const prefixes: string[] = [];

function passed(result: Result): void {
  expect(result.stdout + result.stderr).toContain('try passed');
  expect(result.exitCode).toBe(0);
}

async function notes(database: string): Promise<string[]> {
  const rows = await postgresRows(database, 'SELECT body FROM notes ORDER BY id');
  return rows.map(([body]) => body!);
}

async function addNote(database: string, body: string): Promise<void> {
  await postgresRows(database, `INSERT INTO notes (body) VALUES ('${body}')`);
}

/** A repository with the database stages, and its prod and dev sandboxes tried once. */
async function project(kind: string, flags: string[]) {
  const prefix = throwawayName(kind);
  prefixes.push(prefix);
  const repo = await generatedExample(['--database', 'postgres', ...flags]);
  writeFileSync(join(repo, 'mcc', 'migrations', '0001_initial.sql'), INITIAL);
  for (const stage of STAGES) {
    expect((await cli('mcc', ['add', 'stage', stage, '--yes'], repo)).stderr).toBe('');
  }
  const url = { DATABASE_URL: `${POSTGRES}/${prefix}_{stage}` };
  const prod = tempDir('pg-prod');
  const dev = tempDir('pg-dev');
  passed(await cli('mcc', ['try', '--stage', 'prod', '--sandbox', prod], repo, url));
  passed(await cli('mcc', ['try', '--stage', 'dev', '--sandbox', dev, '--skip-build'], repo, url));
  // Later tries give no DATABASE_URL: each sandbox keeps its own env file.
  const tryStage = (stage: string, sandbox: string, ...extra: string[]) =>
    cli('mcc', ['try', '--stage', stage, '--sandbox', sandbox, '--skip-build', ...extra], repo);
  return { prefix, prod, dev, tryStage };
}

afterAll(async () => {
  for (const prefix of prefixes) await dropDatabases(prefix);
});

describe('database stages of a single-tenant PostgreSQL project', () => {
  let p: Awaited<ReturnType<typeof project>>;
  let prodDb: string;
  let devDb: string;

  beforeAll(async () => {
    p = await project('stages', []);
    prodDb = `${p.prefix}_prod`;
    devDb = `${p.prefix}_dev`;
  }, 300_000);

  it('db-backup writes a dump that db-restore brings back, saving the state first', async () => {
    await addNote(prodDb, 'kept');
    passed(await p.tryStage('db-backup', p.prod));
    const [daily] = readdirSync(join(p.prod, 'backups', 'daily'));
    expect(existsSync(join(p.prod, 'backups', 'daily', daily!, 'default.dump'))).toBe(true);

    await addNote(prodDb, 'after the backup');
    await postgresRows(prodDb, 'CREATE TABLE added (id int)');
    const restored = await p.tryStage('db-restore', p.prod);
    passed(restored);
    expect(restored.stdout).toContain('default: restored from default.dump');
    expect(await notes(prodDb)).toEqual(['kept']);
    const tables = await postgresRows(
      prodDb,
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    expect(tables.flat()).toEqual(['mcc_migrations', 'notes']);
    const [saved] = readdirSync(join(p.prod, 'backups', 'pre-restore'));
    expect(existsSync(join(p.prod, 'backups', 'pre-restore', saved!, 'default.dump'))).toBe(true);
  }, 120_000);

  it('clone-prod-to-dev copies prod into dev and leaves prod as it was', async () => {
    await addNote(devDb, 'only in dev');
    const cloned = await p.tryStage('clone-prod-to-dev', p.dev, '--source-sandbox', p.prod);
    passed(cloned);
    expect(await notes(devDb)).toEqual(['kept']);
    expect(await notes(prodDb)).toEqual(['kept']);
    expect(await postgresRows(devDb, 'SELECT name FROM mcc_migrations')).toEqual([
      ['0001_initial'],
    ]);
    const [before] = readdirSync(join(p.dev, 'backups', 'pre-clone'));
    const saved = join(p.dev, 'backups', 'pre-clone', before!, 'default.dump');
    const data = await execa('pg_restore', ['--data-only', '--file', '-', saved]);
    expect(data.stdout).toContain('only in dev');

    // Another folder whose env file names dev's database: refused before any copy.
    const other = tempDir('pg-other');
    mkdirSync(join(other, '.mcc-try'));
    copyFileSync(join(p.dev, '.mcc-try', 'env'), join(other, '.mcc-try', 'env'));
    const same = await p.tryStage('clone-prod-to-dev', p.dev, '--source-sandbox', other);
    expect(same.exitCode).toBe(1);
    expect(same.stderr).toContain('the source and the target are the same database');
    expect(same.stderr).toContain(`/${devDb})`);
    expect(await notes(devDb)).toEqual(['kept']);
  }, 120_000);

  it('leaves a pipeline whose deploy still passes its smoke test', async () => {
    const result = await p.tryStage('dev', p.dev);
    passed(result);
    expect(result.stdout).toMatch(/answered 200/);
    expect(await notes(devDb)).toEqual(['kept']);
  }, 120_000);
});

describe('clone-prod-to-dev of a multi-tenant PostgreSQL project', () => {
  it("copies every domain's database into dev's", async () => {
    const p = await project('stages_multi', [
      '--tenancy',
      'multi',
      '--domains',
      'a.example.com,b.example.com',
    ]);
    const names = (stage: string) =>
      ['a_example_com', 'b_example_com'].map((domain) => `${p.prefix}_${stage}_${domain}`);
    const [prodA, prodB] = names('prod');
    await addNote(prodA!, 'a in prod');
    await addNote(prodB!, 'b in prod');
    await addNote(names('dev')[0]!, 'a in dev');

    passed(await p.tryStage('clone-prod-to-dev', p.dev, '--source-sandbox', p.prod));
    expect(await Promise.all(names('dev').map(notes))).toEqual([['a in prod'], ['b in prod']]);
    expect(await Promise.all(names('prod').map(notes))).toEqual([['a in prod'], ['b in prod']]);
  }, 400_000);
});

describe('the database of a PostgreSQL sandbox', () => {
  it('is named by the stage when DATABASE_URL names none, and {stage} stands for it', () => {
    const server = 'postgresql://notes:s%40cret@127.0.0.1:5432';
    expect(sandboxDatabaseUrl(server, 'dev', 'notes-api')).toBe(`${server}/notes_api_dev`);
    expect(sandboxDatabaseUrl(`${server}/?sslmode=disable`, 'prod', 'notes-api')).toBe(
      `${server}/notes_api_prod?sslmode=disable`,
    );
    expect(sandboxDatabaseUrl(`${server}/notes_{stage}`, 'prod', 'notes-api')).toBe(
      `${server}/notes_prod`,
    );
  });
});
