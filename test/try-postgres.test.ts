/**
 * PostgreSQL end to end: generate into a copy of the example app, rehearse
 * deploys with mcc try against the live server .ci/setup starts, and read
 * the databases back with psql. Every database is a throwaway one.
 */
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

import {
  cli,
  dropDatabases,
  POSTGRES,
  postgresRows,
  tempDir,
  throwawayName,
  generatedExample,
} from './helpers.js';

// The example's schema.sql is SQLite's; a PostgreSQL project starts from its own.
const INITIAL = `CREATE TABLE notes (
    id serial PRIMARY KEY,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
`;

const prefixes: string[] = [];

afterAll(async () => {
  for (const prefix of prefixes) await dropDatabases(prefix);
});

async function generate(flags: string[]): Promise<string> {
  const repo = await generatedExample(['--database', 'postgres', ...flags]);
  writeFileSync(join(repo, 'mcc', 'migrations', '0001_initial.sql'), INITIAL);
  return repo;
}

async function tryDeploy(repo: string, sandbox: string, database: string) {
  const result = await cli('mcc', ['try', '--stage', 'dev', '--sandbox', sandbox], repo, {
    DATABASE_URL: `${POSTGRES}/${database}`,
  });
  return { ...result, output: result.stdout + result.stderr };
}

async function migrationsIn(database: string): Promise<string[]> {
  const rows = await postgresRows(database, 'SELECT name FROM mcc_migrations ORDER BY name');
  return rows.map(([name]) => name!);
}

async function tablesIn(database: string): Promise<string[]> {
  const rows = await postgresRows(
    database,
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
  );
  return rows.map(([name]) => name!);
}

/** Calls a function of the deployed mcc_db.py from the release, as a cron job would. */
async function mccDb(sandbox: string, code: string): Promise<string> {
  const current = join(sandbox, 'current-api');
  const script =
    'import sys\nfrom pathlib import Path\nimport mcc_db\n' +
    `[database] = mcc_db.databases(Path(${JSON.stringify(sandbox)}), [])\n` +
    code;
  const env = { ...process.env, DATABASE_URL: '' };
  const result = await execa(join(current, '.venv', 'bin', 'python'), ['-c', script], {
    cwd: current,
    env,
  });
  return result.stdout;
}

describe('mcc try with PostgreSQL', () => {
  it('deploys a single-tenant project twice, migrates once, backs up and restores', async () => {
    const database = throwawayName('single');
    prefixes.push(database);
    const repo = await generate(['--cron', 'backup']);
    const sandbox = tempDir('pg-sandbox');

    const first = await tryDeploy(repo, sandbox, database);
    expect(first.output).toContain('try passed');
    expect(first.output).toContain('default: applied 0001_initial');
    const second = await tryDeploy(repo, sandbox, database);
    expect(second.output).toContain('try passed');
    expect(second.output).toContain('every database is up to date');
    expect(await migrationsIn(database)).toEqual(['0001_initial']);
    expect(readdirSync(join(sandbox, 'api'))).toHaveLength(2);

    // Without DATABASE_URL in its environment, mcc_db finds the env file the
    // release's settings name, as the backup cron job does on a server.
    await postgresRows(database, "INSERT INTO notes (body) VALUES ('kept; with a semicolon')");
    const copy = await mccDb(
      sandbox,
      `print(mcc_db.backup(database, Path(${JSON.stringify(join(sandbox, 'bk'))})))`,
    );
    expect(copy.trim()).toBe(join(sandbox, 'bk', 'default.dump'));
    await postgresRows(database, 'DELETE FROM notes; CREATE TABLE added (id int)');
    await mccDb(sandbox, `mcc_db.restore(database, Path(${JSON.stringify(copy.trim())}))`);
    expect(await tablesIn(database)).toEqual(['mcc_migrations', 'notes']);
    expect(await postgresRows(database, 'SELECT body FROM notes')).toEqual([
      ['kept; with a semicolon'],
    ]);
    expect(await migrationsIn(database)).toEqual(['0001_initial']);
  });

  it('gives each domain its database, migrated once; a failure changes none', async () => {
    const prefix = throwawayName('multi');
    prefixes.push(prefix);
    const domains = ['a.example.com', 'b-c.example.com', 'd.example.com'];
    const names = [
      `${prefix}_a_example_com`,
      `${prefix}_b__c_example_com`,
      `${prefix}_d_example_com`,
    ];
    const repo = await generate(['--tenancy', 'multi', '--domains', domains.join(',')]);
    const sandbox = tempDir('pg-sandbox');

    const first = await tryDeploy(repo, sandbox, prefix);
    expect(first.output).toContain('try passed');
    const second = await tryDeploy(repo, sandbox, prefix);
    expect(second.output).toContain('try passed');
    expect(second.output).toContain('every database is up to date');
    for (const name of names) expect(await migrationsIn(name)).toEqual(['0001_initial']);
    const live = readlinkSync(join(sandbox, 'current-api'));

    // 0002 succeeds on the first domain, then fails on the second, which
    // already has a table of that name: the first must be restored.
    await postgresRows(names[0]!, "INSERT INTO notes (body) VALUES ('before')");
    await postgresRows(names[1]!, 'CREATE TABLE tags (id int)');
    writeFileSync(
      join(repo, 'mcc', 'migrations', '0002_tags.sql'),
      "CREATE TABLE tags (name text);\nUPDATE notes SET body = 'after';\n",
    );
    const failed = await tryDeploy(repo, sandbox, prefix);
    expect(failed.exitCode).toBe(1);
    expect(failed.output).toMatch(/migration 0002_tags failed on b-c\.example\.com .*restored/);
    expect(readlinkSync(join(sandbox, 'current-api'))).toBe(live);
    expect(await tablesIn(names[0]!)).toEqual(['mcc_migrations', 'notes']);
    expect(await postgresRows(names[0]!, 'SELECT body FROM notes')).toEqual([['before']]);
    expect(await tablesIn(names[1]!)).toEqual(['mcc_migrations', 'notes', 'tags']);
    for (const name of names) expect(await migrationsIn(name)).toEqual(['0001_initial']);
  });
});
