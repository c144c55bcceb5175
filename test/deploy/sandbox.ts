/**
 * A deployment folder for fault tests: `mcc try` builds the example app and makes the first
 * release (the app stays up under the supervisor), then each test deploys an uploaded copy of
 * output/ with the real `uv run mcc_deploy.py`, which it may kill, race or break on purpose.
 */
import {
  cpSync,
  existsSync,
  lstatSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseDocument } from 'yaml';
import { expect } from 'vitest';

import { readAnswers } from '../../src/answers.js';
import { pointConfAtSandbox } from '../../src/try/index.js';
import { readState, runningPid, stopSandbox } from '../../src/try/supervisor.js';
import { cli, sqliteRows, tempDir, type Result, generatedExample } from '../helpers.js';

export interface Sandbox {
  repo: string;
  base: string;
  state: string;
  port: number;
}

export const BUILD_INFO = {
  build_number: 7,
  branch: 'main',
  commit_sha: '0123456789abcdef',
  timestamp: { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:01:00Z' },
};

export interface SandboxOptions {
  /** Runs on the generated repository before its first try. */
  prepare?: (repo: string) => void;
  /** More flags for that `mcc try`, e.g. `--port`. */
  tryArgs?: string[];
  /** Its environment, e.g. a PostgreSQL project's DATABASE_URL. */
  env?: Record<string, string>;
}

/** Generate into a copy of the example app and make its first release with `mcc try`. */
export async function makeSandbox(flags: string[], options: SandboxOptions = {}): Promise<Sandbox> {
  const repo = await generatedExample(flags);
  options.prepare?.(repo);
  const base = tempDir('faults');
  const first = await cli(
    'mcc',
    ['try', '--stage', 'dev', '--sandbox', base, '--keep-running', ...(options.tryArgs ?? [])],
    repo,
    options.env,
  );
  expect(first.stdout + first.stderr).toContain('try passed');
  const state = join(base, '.mcc-try');
  return { repo, base, state, port: readState(state).port };
}

export async function closeSandbox(sandbox: Sandbox | undefined): Promise<void> {
  if (sandbox) await stopSandbox(sandbox.base);
}

/** What the pipeline uploads: a copy of output/ whose conf deploys into the sandbox. */
export function upload(
  sandbox: Sandbox,
  conf: Record<string, unknown> = {},
  parameters: Record<string, unknown> = {},
): string {
  const folder = tempDir('upload');
  cpSync(join(sandbox.repo, 'output'), folder, { recursive: true, verbatimSymlinks: true });
  const confPath = join(folder, 'mcc', 'conf-dev.yml');
  pointConfAtSandbox(
    confPath,
    sandbox.base,
    sandbox.state,
    readAnswers(sandbox.repo)!,
    sandbox.port,
    null,
  );
  editYaml(confPath, (document) => {
    for (const [key, value] of Object.entries(conf)) document.set(key, value);
  });
  editYaml(join(folder, 'config.yml'), (document) => {
    for (const [key, value] of Object.entries(parameters)) {
      document.setIn(['deploy', 'dev', 'parameters', key], value);
    }
  });
  writeFileSync(join(folder, 'build_info.yml'), JSON.stringify(BUILD_INFO));
  return folder;
}

function editYaml(path: string, edit: (document: ReturnType<typeof parseDocument>) => void) {
  const document = parseDocument(readFileSync(path, 'utf8'));
  edit(document);
  writeFileSync(path, document.toString());
}

export interface DeployOptions {
  stage?: string;
  args?: string[];
  /** Kill the deploy's whole process group with SIGKILL when it prints `[N] title`. */
  killAtStep?: number;
  umask?: string;
  /** Called when the deploy prints the header of step N. */
  onStep?: (step: number) => void;
}

export interface DeployResult extends Result {
  killed: boolean;
  /** The lines the deploy itself wrote to stderr when it failed (uv reports there too). */
  failures: string[];
}

/** Run `uv run mcc_deploy.py --stage dev` in an upload folder, as the pipeline does. */
export async function deploy(folder: string, options: DeployOptions = {}): Promise<DeployResult> {
  const args = ['uv', 'run', 'mcc_deploy.py', '--stage', options.stage ?? 'dev'];
  args.push(...(options.args ?? []));
  const child = execa('sh', ['-c', `umask ${options.umask ?? '022'} && exec "$@"`, 'sh', ...args], {
    cwd: folder,
    env: { UV_NATIVE_TLS: '1', NO_COLOR: '1' },
    stdin: 'ignore',
    detached: true,
    reject: false,
  });
  let killed = false;
  let seen = '';
  let headers = 0;
  child.stdout!.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
    for (const match of seen.matchAll(/^\[(\d+)\] (?!.*: done in).*$/gm)) {
      const number = Number(match[1]);
      if (number <= headers) continue;
      headers = number;
      options.onStep?.(number);
      if (!killed && number === options.killAtStep) {
        killed = true;
        process.kill(-child.pid!, 'SIGKILL');
      }
    }
  });
  const result = await child;
  const stderr = String(result.stderr);
  return {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout),
    stderr,
    killed,
    failures: stderr.split('\n').filter((line) => /^\S+ failed/.test(line)),
  };
}

export function expectSuccess(result: DeployResult): void {
  expect(result.failures).toEqual([]);
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
}

/** A failure is one line, the last the deploy prints. */
export function failureLine(result: DeployResult): string {
  expect(result.exitCode).toBe(1);
  expect(result.failures).toHaveLength(1);
  expect(result.stderr.trimEnd().split('\n').at(-1)).toBe(result.failures[0]);
  return result.failures[0]!;
}

export function current(base: string, link = 'current-api'): string {
  return readlinkSync(join(base, link)).replace(/^api\//, '');
}

export function releases(base: string): string[] {
  return readdirSync(join(base, 'api')).sort();
}

export function isComplete(base: string, release: string): boolean {
  const folder = join(base, 'api', release);
  return (
    existsSync(join(folder, 'mcc-release.json')) && existsSync(join(folder, '.venv/bin/python'))
  );
}

export function appPid(sandbox: Sandbox, service = 'notes-api'): number | null {
  return runningPid(sandbox.state, service);
}

/** The release folder the running app was started from. */
export function appRelease(sandbox: Sandbox): string {
  const pid = appPid(sandbox);
  expect(pid).not.toBeNull();
  return readlinkSync(`/proc/${pid}/cwd`).split('/').pop()!;
}

/** Wait (with a deadline) for the app to answer 200 on its health URL. */
export async function answers(sandbox: Sandbox, seconds = 30): Promise<string> {
  const deadline = Date.now() + seconds * 1000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${sandbox.port}/api/health`);
      if (response.status === 200) return await response.text();
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the app did not answer 200 within ${seconds}s: ${last}`);
}

export async function migrationsIn(path: string): Promise<string[]> {
  const rows = await sqliteRows(path, 'SELECT name FROM mcc_migrations ORDER BY name');
  return rows.map((row) => String(row[0]));
}

/** Every row of every table, to compare a database before and after a fault. */
export async function dump(path: string): Promise<string> {
  const script =
    'import sqlite3, sys\n' +
    'db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)\n' +
    'print("\\n".join(db.iterdump()))\n';
  return (await execa('python3', ['-c', script, path])).stdout;
}

export function isSymlink(path: string): boolean {
  return existsSync(path) && lstatSync(path).isSymbolicLink();
}
