/** What the end-to-end tests of mcc try share: two deploys on one sandbox. */
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

import { cli, sqliteRows, tempDir, type Result, generatedExample } from './helpers.js';

export async function migrationsIn(path: string): Promise<string[]> {
  const rows = await sqliteRows(path, 'SELECT name FROM mcc_migrations ORDER BY name');
  return rows.map((row) => String(row[0]));
}

export function restartedPids(result: Result): string[] {
  return [...result.stdout.matchAll(/restarted as pid (\d+)/g)].map((match) => match[1]!);
}

export async function tryTwice(flags: string[], secondFlags: string[] = []) {
  const repo = await generatedExample(flags);
  const sandbox = tempDir('sandbox');
  const first = await cli('mcc', ['try', '--stage', 'dev', '--sandbox', sandbox], repo);
  expect(first.stdout + first.stderr).toContain('try passed');
  expect(first.exitCode).toBe(0);
  const second = await cli(
    'mcc',
    ['try', '--stage', 'dev', '--sandbox', sandbox, ...secondFlags],
    repo,
  );
  expect(second.stdout + second.stderr).toContain('try passed');
  expect(second.exitCode).toBe(0);
  return { repo, sandbox, first, second };
}

export function expectTwoReleases(sandbox: string) {
  const releases = readdirSync(join(sandbox, 'api')).sort();
  expect(releases).toHaveLength(2);
  expect(readlinkSync(join(sandbox, 'current-api'))).toBe(`api/${releases[1]}`);
  for (const release of releases) {
    expect(existsSync(join(sandbox, 'api', release, '.venv', 'bin', 'python'))).toBe(true);
    expect(existsSync(join(sandbox, 'api', release, 'mcc-release.json'))).toBe(true);
  }
}
