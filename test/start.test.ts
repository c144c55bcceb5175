/**
 * How bin/ starts a command: the code cache it keeps after a run that succeeded, which
 * the next run of that command uses, and every way that cache can be absent, broken,
 * foreign or unwritable without the command noticing.
 */
import {
  chownSync,
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { cachePath } from '../src/cli/start.js';
import { ROOT, cli, tempDir } from './helpers.js';

const FOLDER = 'create-mcc-pipeline';
const hash = readFileSync(join(ROOT, 'dist/cli/mcc.cjs'), 'utf8').slice(10, 26);
const cacheName = (command: string) =>
  `mcc-${command}-${hash}-${process.version}-${process.arch}.v8`;

/** Run mcc with its cache in a folder of its own; returns the run and that folder. */
async function mcc(args: string[], cacheHome: string, env: Record<string, string> = {}) {
  const result = await cli('mcc', args, ROOT, { XDG_CACHE_HOME: cacheHome, ...env });
  return { ...result, folder: join(cacheHome, FOLDER) };
}

const listing = (folder: string) => {
  try {
    return readdirSync(folder).sort();
  } catch {
    return [];
  }
};

describe('the code cache', () => {
  it('is written by a run that succeeded, then used as it is', async () => {
    const home = tempDir('cache');
    const first = await mcc(['--version'], home);
    expect(first.exitCode).toBe(0);
    expect(listing(first.folder)).toEqual([cacheName('main')]);
    const file = join(first.folder, cacheName('main'));
    expect(statSync(first.folder).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = statSync(file).mtimeMs;

    const second = await mcc(['--version'], home);
    expect(second).toEqual(first);
    // V8 took it: a cache that is missing or refused is written anew.
    expect(statSync(file).mtimeMs).toBe(written);
  });

  it('is kept apart per command, and apart for --help', async () => {
    const home = tempDir('cache');
    await mcc(['--help'], home);
    const { folder } = await mcc(['add', '--help'], home);
    expect(listing(folder)).toEqual([cacheName('add-help'), cacheName('main-help')]);
  });

  it('is not written by a run that failed', async () => {
    const home = tempDir('cache');
    const run = await mcc(['no-such-command'], home);
    expect(run.exitCode).toBe(2);
    expect(listing(run.folder)).toEqual([]);
  });

  it('is replaced when V8 refuses it, and the run goes on', async () => {
    const home = tempDir('cache');
    const { folder, stdout } = await mcc(['--version'], home);
    const file = join(folder, cacheName('main'));
    writeFileSync(file, 'not a code cache', { mode: 0o600 });
    const run = await mcc(['--version'], home);
    expect(run.stdout).toBe(stdout);
    expect(run.stderr).toBe('');
    expect(readFileSync(file).length).toBeGreaterThan(1000);
  });

  it.skipIf(process.getuid?.() !== 0)('is not read when another user owns it', async () => {
    const home = tempDir('cache');
    const { folder } = await mcc(['--version'], home);
    const file = join(folder, cacheName('main'));
    // A cache V8 would take, had it been read.
    chownSync(file, 65534, 65534);
    await mcc(['--version'], home);
    expect(statSync(file).uid).toBe(0);
  });

  it('leaves the run as it is when its folder cannot be made', async () => {
    const home = tempDir('cache');
    writeFileSync(join(home, FOLDER), 'a file where the folder goes\n');
    const plain = await mcc(['--version'], tempDir('cache'), { NODE_DISABLE_COMPILE_CACHE: '1' });
    const run = await mcc(['--version'], home);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe(plain.stdout);
    expect(run.stderr).toBe('');
  });

  it('makes no folder above the cache folder (a home that is not there)', async () => {
    const home = join(tempDir('cache'), 'gone');
    const run = await mcc(['--version'], join(home, '.cache'));
    expect(run.exitCode).toBe(0);
    expect(existsSync(home)).toBe(false);
  });

  it('is neither read nor written with NODE_DISABLE_COMPILE_CACHE', async () => {
    const home = tempDir('cache');
    const run = await mcc(['--version'], home, { NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(run.exitCode).toBe(0);
    expect(listing(run.folder)).toEqual([]);
  });

  it('removes caches not rewritten for 30 days when it writes one', async () => {
    const home = tempDir('cache');
    const { folder } = await mcc(['--version'], home);
    const current = join(folder, cacheName('main'));
    const old = join(folder, 'mcc-main-0123456789abcdef-v20.0.0-x64.v8');
    const recent = join(folder, 'mcc-add-0123456789abcdef-v20.0.0-x64.v8');
    const unknown = join(folder, 'notes.txt');
    for (const path of [old, recent, unknown]) copyFileSync(current, path);
    const longAgo = new Date(Date.now() - 31 * 24 * 3600 * 1000);
    utimesSync(old, longAgo, longAgo);
    utimesSync(unknown, longAgo, longAgo);
    await mcc(['--help'], home);
    expect(listing(folder)).toEqual(
      [
        cacheName('main'),
        cacheName('main-help'),
        'mcc-add-0123456789abcdef-v20.0.0-x64.v8',
        'notes.txt',
      ].sort(),
    );
  });

  it('is named by command, bundle and Node, and not for a bundle without a hash', () => {
    const source = `// bundle ${'0'.repeat(16)}\n"use strict";\n`;
    const path = (argv: string[]) => cachePath('mcc', source, ['node', 'mcc', ...argv]);
    const node = `${process.version}-${process.arch}`;
    expect(path(['add', 'cron', 'backup'])).toMatch(new RegExp(`/mcc-add-0{16}-${node}\\.v8$`));
    expect(path(['--stage', 'dev'])).toMatch(/\/mcc-main-0{16}-/);
    expect(path(['try', '-h'])).toMatch(/\/mcc-try-help-0{16}-/);
    expect(path(['../../etc'])).toMatch(/\/mcc-main-0{16}-/);
    expect(cachePath('mcc', '"use strict";\n', ['node', 'mcc'])).toBeUndefined();
  });
});
