/** Shared by the tests: the built CLIs, throwaway copies of the example app. */
import { cpSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';

export const ROOT = join(import.meta.dirname, '..');
export const EXAMPLE = join(ROOT, 'examples', 'fastapi-app');
const BIN = {
  create: join(ROOT, 'bin', 'create-mcc-pipeline.js'),
  mcc: join(ROOT, 'bin', 'mcc.js'),
};

export interface Result {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function cli(
  which: keyof typeof BIN,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<Result> {
  const result = await execa('node', [BIN[which], ...args], {
    cwd,
    env: { UV_NATIVE_TLS: '1', NO_COLOR: '1', ...env },
    stdin: 'ignore',
    reject: false,
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `mcc-test-${prefix}-`));
}

export function exampleCopy(): string {
  const target = tempDir('repo');
  cpSync(EXAMPLE, target, {
    recursive: true,
    filter: (source) => !/(\.venv|__pycache__|\.pytest_cache|output)$/.test(source),
  });
  return target;
}

/** Every file below root with its contents, to compare a tree before and after. */
export function snapshot(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(root, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(root);
  return files;
}

/** Rows of a query on a SQLite file, read with Python's sqlite3 module. */
export async function sqliteRows(path: string, sql: string): Promise<unknown[][]> {
  const script =
    'import json, sqlite3, sys\n' +
    'db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)\n' +
    'print(json.dumps(db.execute(sys.argv[2]).fetchall()))\n';
  const result = await execa('python3', ['-c', script, path, sql]);
  return JSON.parse(result.stdout) as unknown[][];
}

/** The PostgreSQL server .ci/setup starts; MCC_TEST_POSTGRES points elsewhere. */
export const POSTGRES =
  process.env.MCC_TEST_POSTGRES ?? 'postgresql://mcc_test:mcc_test@127.0.0.1:5432';

/** A fresh database name prefix, so parallel runs never share a database. */
export function throwawayName(kind: string): string {
  return `mcc_test_${kind}_${process.pid}_${Date.now().toString(36)}`;
}

/** Rows of a query on a PostgreSQL database, each row its columns split by '|'. */
export async function postgresRows(database: string, sql: string): Promise<string[][]> {
  const result = await execa('psql', [
    '--no-psqlrc',
    '--tuples-only',
    '--no-align',
    '-v',
    'ON_ERROR_STOP=1',
    '--dbname',
    `${POSTGRES}/${database}`,
    '--command',
    sql,
  ]);
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('|'));
}

/** Drop every database whose name starts with prefix. */
export async function dropDatabases(prefix: string): Promise<void> {
  const rows = await postgresRows('postgres', 'SELECT datname FROM pg_database');
  for (const [name] of rows.filter(([name]) => name!.startsWith(prefix))) {
    await execa('dropdb', ['--force', '--maintenance-db', `${POSTGRES}/postgres`, name!]);
  }
}

/** A copy of the example app with a pipeline generated into it from flags. */
export async function generatedExample(flags: string[] = []): Promise<string> {
  const repo = exampleCopy();
  const result = await cli('create', ['--yes', '--remote-host', 'app.example.com', ...flags], repo);
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  return repo;
}

export const RUFF_RULES = 'E,F,W,B,S602,S604,S605,S608';

/** Every Python file below root passes our ruff rules and ruff's formatter. */
export async function expectRuffClean(root: string): Promise<void> {
  const check = await execa('ruff', ['check', '--no-cache', '--select', RUFF_RULES, root], {
    reject: false,
  });
  expect(check.stdout + check.stderr).toContain('All checks passed');
  const format = await execa('ruff', ['format', '--no-cache', '--check', '--diff', root], {
    reject: false,
  });
  expect(format.stdout + format.stderr).not.toContain('would reformat');
  expect(format.exitCode).toBe(0);
}

/**
 * ruff's default rules, run from inside a repository the way its owner would,
 * so that the generated modules count as the project's own imports.
 */
export async function expectRuffDefaultsClean(repo: string): Promise<void> {
  const result = await execa('ruff', ['check', '--no-cache', '.'], { cwd: repo, reject: false });
  expect(result.stdout + result.stderr).toContain('All checks passed');
}
