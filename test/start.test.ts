/**
 * How bin/ starts a command: the code cache it keeps after a run that succeeded, which
 * the next run of that command uses, and every way that cache can be absent, broken,
 * foreign or unwritable without the command noticing.
 */
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lchownSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';

import { cachePath } from '../src/cli/start.js';
import { ROOT, cli, generatedExample, tempDir } from './helpers.js';

const FOLDER = 'create-mcc-pipeline';
const crc = crc32(readFileSync(join(ROOT, 'dist/cli/mcc.cjs')))
  .toString(16)
  .padStart(8, '0');
const cacheName = (command: string) =>
  `mcc-${command}-${crc}-${process.version}-${process.arch}.v8`;

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

let check: string[];

beforeAll(async () => {
  check = ['check', await generatedExample()];
}, 60_000);

describe('the code cache', () => {
  it('is written by a run that succeeded, then used as it is', async () => {
    const home = tempDir('cache');
    const first = await mcc(check, home);
    expect(first.exitCode).toBe(0);
    expect(listing(first.folder)).toEqual([cacheName('check')]);
    const file = join(first.folder, cacheName('check'));
    expect(statSync(first.folder).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = statSync(file).mtimeMs;

    const second = await mcc(check, home);
    expect(second).toEqual(first);
    // V8 took it: a cache that is missing or refused is written anew.
    expect(statSync(file).mtimeMs).toBe(written);
  });

  it('is kept apart per command, and in one for every brief run (help, version)', async () => {
    const home = tempDir('cache');
    for (const args of [['--help'], ['-v'], ['add', '--help'], ['add', 'help', 'stage']]) {
      expect((await mcc(args, home)).exitCode).toBe(0);
    }
    const { folder } = await mcc(check, home);
    expect(listing(folder)).toEqual([cacheName('brief'), cacheName('check')]);
  });

  it('is not written by a run that failed', async () => {
    const home = tempDir('cache');
    const run = await mcc(['no-such-command'], home);
    expect(run.exitCode).toBe(2);
    expect(listing(run.folder)).toEqual([]);
  });

  it('is replaced when one byte of it changed, and the run goes on', async () => {
    const home = tempDir('cache');
    const { folder, stdout } = await mcc(check, home);
    const file = join(folder, cacheName('check'));
    const good = readFileSync(file);
    // V8 itself would take this one, and crash or run wrong code with it.
    const damaged = Buffer.from(good);
    damaged[good.length >> 1] ^= 0x10;
    writeFileSync(file, damaged);
    const run = await mcc(check, home);
    expect(run.stdout).toBe(stdout);
    expect(readFileSync(file).equals(damaged)).toBe(false);
  });

  it('is replaced when V8 refuses it, and the run goes on', async () => {
    const home = tempDir('cache');
    const { folder, stdout } = await mcc(check, home);
    const file = join(folder, cacheName('check'));
    writeFileSync(file, 'not a code cache', { mode: 0o600 });
    const run = await mcc(check, home);
    expect(run.stdout).toBe(stdout);
    expect(run.stderr).toBe('');
    expect(readFileSync(file).length).toBeGreaterThan(1000);
  });

  it.skipIf(process.getuid?.() !== 0)('is not read when another user owns it', async () => {
    const home = tempDir('cache');
    const { folder } = await mcc(check, home);
    const file = join(folder, cacheName('check'));
    // A cache V8 would take, had it been read.
    chownSync(file, 65534, 65534);
    await mcc(check, home);
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

  it('is not waited on when a pipe stands in its place', async () => {
    const home = tempDir('cache');
    const { folder } = await mcc(check, home);
    const file = join(folder, cacheName('check'));
    rmSync(file);
    await execa('mkfifo', [file]);
    const run = await mcc(check, home);
    expect(run.exitCode).toBe(0);
  });

  it('is not kept in a relative cache folder, which would be inside the repository', async () => {
    const repo = tempDir('cache');
    const result = await execa('node', [join(ROOT, 'bin/mcc.js'), '--version'], {
      cwd: repo,
      env: { XDG_CACHE_HOME: 'cache' },
    });
    expect(result.stdout).toMatch(/^\d/);
    expect(listing(repo)).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)('is not written in a folder another user owns', async () => {
    const home = tempDir('cache');
    chownSync(home, 65534, 65534);
    const run = await mcc(['--version'], home);
    expect(run.exitCode).toBe(0);
    expect(listing(home)).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)('follows no link another user planted', async () => {
    const shared = tempDir('cache');
    chmodSync(shared, 0o1777);
    const target = tempDir('target');
    symlinkSync(target, join(shared, FOLDER));
    lchownSync(join(shared, FOLDER), 65534, 65534);
    expect((await mcc(check, shared)).exitCode).toBe(0);
    expect(listing(target)).toEqual([]);
  });

  it('is not kept in a folder everyone may write to', async () => {
    const home = tempDir('cache');
    const { folder } = await mcc(check, home);
    chmodSync(folder, 0o777);
    rmSync(join(folder, cacheName('check')));
    await mcc(check, home);
    expect(listing(folder)).toEqual([]);
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

  it('removes caches unused for 30 days, and abandoned halves, when it writes one', async () => {
    const home = tempDir('cache');
    const { folder } = await mcc(check, home);
    const current = join(folder, cacheName('check'));
    const old = join(folder, 'mcc-main-0123456789abcdef-v20.0.0-x64.v8');
    const recent = join(folder, 'mcc-add-0123456789abcdef-v20.0.0-x64.v8');
    const unknown = join(folder, 'notes.txt');
    for (const path of [old, recent, unknown]) copyFileSync(current, path);
    const longAgo = new Date(Date.now() - 31 * 24 * 3600 * 1000);
    utimesSync(old, longAgo, longAgo);
    utimesSync(unknown, longAgo, longAgo);
    const abandoned = join(folder, `${cacheName('add')}.4242.tmp`);
    const writing = join(folder, `${cacheName('try')}.4343.tmp`);
    for (const path of [abandoned, writing]) writeFileSync(path, 'half');
    const hoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    utimesSync(abandoned, hoursAgo, hoursAgo);
    await mcc(['--help'], home);
    expect(listing(folder)).toEqual(
      [
        cacheName('check'),
        cacheName('brief'),
        'mcc-add-0123456789abcdef-v20.0.0-x64.v8',
        'notes.txt',
        `${cacheName('try')}.4343.tmp`,
      ].sort(),
    );
  });

  it('is named by command, by the CRC of the bundle and by Node', () => {
    const source = '"use strict";\nmain();\n';
    const path = (name: string, argv: string[], text = source) =>
      cachePath(name, Buffer.from(text), ['node', name, ...argv]);
    const node = `${process.version}-${process.arch}`;
    const sum = crc32(source).toString(16).padStart(8, '0');
    expect(path('mcc', ['add', 'cron', 'backup'])).toMatch(
      new RegExp(`/mcc-add-${sum}-${node}\\.v8$`),
    );
    expect(path('mcc', ['--stage', 'dev'])).toMatch(/\/mcc-main-[0-9a-f]{8}-/);
    expect(path('mcc', ['try', '-h'])).toMatch(/\/mcc-brief-/);
    expect(path('create', ['-yv'])).toMatch(/\/create-brief-/);
    expect(path('mcc', ['-C', 'dir', 'add'])).toMatch(/\/mcc-main-/);
    expect(path('mcc', ['../../etc'])).toMatch(/\/mcc-main-/);
    // create has no commands: its argument is the folder to write in.
    expect(path('create', ['shop', '--yes'])).toMatch(/\/create-main-/);
    // An edit that keeps the length is another bundle.
    expect(path('mcc', [], source.replace('main', 'mian'))).not.toBe(path('mcc', []));
  });

  it('is turned off by NODE_DISABLE_COMPILE_CACHE=1 only', () => {
    const argv = ['node', 'mcc', 'check'];
    try {
      process.env.NODE_DISABLE_COMPILE_CACHE = '0';
      expect(cachePath('mcc', Buffer.from(''), argv)).toBeDefined();
      process.env.NODE_DISABLE_COMPILE_CACHE = '1';
      expect(cachePath('mcc', Buffer.from(''), argv)).toBeUndefined();
    } finally {
      delete process.env.NODE_DISABLE_COMPILE_CACHE;
    }
  });
});
