/**
 * A PostgreSQL project that migrates with alembic, end to end: the example app
 * gets alembic as its own dependency, `mcc add migration` has alembic write
 * the revisions, and mcc try upgrades each domain's database on the live
 * server, restoring every one when a revision fails in any.
 */
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

import {
  cli,
  dropDatabases,
  exampleCopy,
  POSTGRES,
  postgresRows,
  throwawayName,
} from './helpers.js';
import { tempDir } from './helpers.js';

const DOMAINS = ['a.example.com', 'b.example.com'];
const prefix = throwawayName('alembic');

afterAll(() => dropDatabases(prefix));

/** The example app with alembic set up as its owner would, reading DATABASE_URL. */
async function alembicExample(): Promise<string> {
  const repo = exampleCopy();
  const env = { UV_NATIVE_TLS: '1' };
  const deps = ['alembic>=1.13', 'sqlalchemy>=2', 'psycopg[binary]>=3.1'];
  await execa('uv', ['add', '--quiet', ...deps], { cwd: repo, env });
  await execa('uv', ['run', '--quiet', 'alembic', 'init', 'alembic'], { cwd: repo, env });
  const envPy = join(repo, 'alembic', 'env.py');
  const url = 'os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")';
  writeFileSync(
    envPy,
    readFileSync(envPy, 'utf8').replace(
      'config = context.config\n',
      `config = context.config\nconfig.set_main_option("sqlalchemy.url", ${url})\n`,
    ),
  );
  writeFileSync(envPy, `import os\n${readFileSync(envPy, 'utf8')}`);
  return repo;
}

/** mcc add migration, then the revision's upgrade() filled in with SQL. */
async function addRevision(repo: string, name: string, sql: string[]): Promise<string> {
  const added = await cli('mcc', ['add', 'migration', name], repo);
  expect(added.stderr).toBe('');
  expect(added.stdout).toContain(`added alembic revision ${name}`);
  const versions = join(repo, 'alembic', 'versions');
  const file = readdirSync(versions).find((entry) => entry.endsWith(`_${name}.py`))!;
  const text = readFileSync(join(versions, file), 'utf8');
  const body = sql.map((statement) => `    op.execute(${JSON.stringify(statement)})`).join('\n');
  writeFileSync(
    join(versions, file),
    text.replace(/(def upgrade\(\)[^]*?)\n {4}pass/, `$1\n${body}`),
  );
  return file.split('_')[0]!;
}

async function tryDeploy(repo: string, sandbox: string) {
  const result = await cli('mcc', ['try', '--stage', 'dev', '--sandbox', sandbox], repo, {
    DATABASE_URL: `${POSTGRES}/${prefix}`,
  });
  return { ...result, output: result.stdout + result.stderr };
}

const databases = DOMAINS.map((domain) => `${prefix}_${domain.replace(/\./g, '_')}`);

async function versionOf(database: string): Promise<string[][]> {
  return postgresRows(database, 'SELECT version_num FROM alembic_version');
}

async function tablesIn(database: string): Promise<string[]> {
  const rows = await postgresRows(
    database,
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
  );
  return rows.map(([name]) => name!);
}

describe('mcc try with alembic', () => {
  it('upgrades each domain once, and a failing revision changes no database', async () => {
    const repo = await alembicExample();
    const created = await cli(
      'create',
      ['--yes', '--remote-host', 'app.example.com', '--database', 'postgres'].concat([
        '--migrations',
        'alembic',
        '--tenancy',
        'multi',
        '--domains',
        DOMAINS.join(','),
      ]),
      repo,
    );
    expect(created.stderr).toBe('');
    expect(created.exitCode).toBe(0);
    const first = await addRevision(repo, 'create_notes', [
      'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)',
    ]);
    const again = await cli('mcc', ['add', 'migration', 'create_notes'], repo);
    expect(again.stdout).toContain('is already there');
    const versions = readdirSync(join(repo, 'alembic', 'versions'));
    const dry = await cli('mcc', ['add', 'migration', 'add_tags', '--dry-run'], repo);
    expect(dry.stdout).toContain('would run uv run alembic revision -m add_tags');
    expect(readdirSync(join(repo, 'alembic', 'versions'))).toEqual(versions);
    const sandbox = tempDir('alembic-sandbox');

    const deployed = await tryDeploy(repo, sandbox);
    expect(deployed.output).toContain('try passed');
    for (const domain of DOMAINS) expect(deployed.output).toContain(`${domain}: applied ${first}`);
    const second = await tryDeploy(repo, sandbox);
    expect(second.output).toContain('every database is up to date');
    for (const database of databases) {
      expect(await versionOf(database)).toEqual([[first]]);
      expect(await tablesIn(database)).toEqual(['alembic_version', 'notes']);
    }
    const live = readlinkSync(join(sandbox, 'current-api'));

    // The revision succeeds on the first domain, then fails on the second,
    // which already has a table of that name: the first must be restored.
    await postgresRows(databases[0]!, "INSERT INTO notes (body) VALUES ('before')");
    await postgresRows(databases[1]!, 'CREATE TABLE tags (id int)');
    const tags = await addRevision(repo, 'add_tags', [
      'CREATE TABLE tags (name text)',
      "UPDATE notes SET body = 'after'",
    ]);
    const failed = await tryDeploy(repo, sandbox);
    expect(failed.exitCode).toBe(1);
    expect(failed.output).toMatch(
      new RegExp(
        `revision ${tags} failed on b\\.example\\.com \\(\\w+\\): ` +
          '.*Error: .*"tags" already exists; restored a\\.example\\.com',
      ),
    );
    expect(readlinkSync(join(sandbox, 'current-api'))).toBe(live);
    expect(await tablesIn(databases[0]!)).toEqual(['alembic_version', 'notes']);
    expect(await postgresRows(databases[0]!, 'SELECT body FROM notes')).toEqual([['before']]);
    for (const database of databases) expect(await versionOf(database)).toEqual([[first]]);

    // Once the clash is gone, the next deploy names each revision it applies, in order.
    await postgresRows(databases[1]!, 'DROP TABLE tags');
    const labels = await addRevision(repo, 'add_labels', ['CREATE TABLE labels (name text)']);
    const fixed = await tryDeploy(repo, sandbox);
    expect(fixed.output).toContain('try passed');
    for (const domain of DOMAINS) {
      expect(fixed.output).toContain(`${domain}: applied ${tags}, ${labels}`);
    }
  }, 300_000);
});
