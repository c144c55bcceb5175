/** Shared by the tests: the built CLIs, throwaway copies of the example app. */
import { cpSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';

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
