/**
 * A rename that fails halfway through a write: the files renamed before it
 * are put back, and nothing the write staged is left behind. The failure is
 * made by refusing the rename of one file, as an immutable or busy file would.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

import { writeAll } from '../src/files.js';
import { snapshot, tempDir } from './helpers.js';

const refused = new Set<string>();

vi.mock('node:fs', async (original) => {
  const real = await original<typeof import('node:fs')>();
  return {
    ...real,
    renameSync: (from: fs.PathLike, to: fs.PathLike) => {
      if (refused.has(String(to))) {
        throw Object.assign(new Error(`EPERM: rename ${String(to)}`), { code: 'EPERM' });
      }
      real.renameSync(from, to);
    },
  };
});

describe('a write whose rename fails halfway', () => {
  it('puts back every file it had renamed and leaves nothing staged', () => {
    const root = tempDir('rename-fails');
    fs.mkdirSync(join(root, 'mcc'));
    fs.writeFileSync(join(root, 'config.yml'), 'old config\n');
    fs.writeFileSync(join(root, 'mcc', 'conf-dev.yml'), 'old dev\n');
    const before = snapshot(root);
    refused.add(join(root, 'mcc', 'conf-dev.yml'));
    const files = [
      { path: 'config.yml', content: 'new config\n' },
      { path: 'mcc/cron/backup.py', content: 'print("new")\n' },
      { path: 'mcc/conf-dev.yml', content: 'new dev\n' },
    ];
    expect(() => writeAll(root, files)).toThrow(
      'could not write mcc/conf-dev.yml: permission denied; none of the files was changed',
    );
    expect(snapshot(root)).toEqual(before);
    expect(fs.readdirSync(root).sort()).toEqual(['config.yml', 'mcc']);
    expect(fs.readdirSync(join(root, 'mcc'))).toEqual(['conf-dev.yml']);
  });

  it('puts back a link to nothing that a new file would have replaced', () => {
    const root = tempDir('dangling');
    fs.writeFileSync(join(root, 'config.yml'), 'old config\n');
    fs.symlinkSync(join(root, 'nowhere.py'), join(root, 'backup.py'));
    refused.add(join(root, 'config.yml'));
    const files = [
      { path: 'backup.py', content: 'print("new")\n' },
      { path: 'config.yml', content: 'new config\n' },
    ];
    expect(() => writeAll(root, files)).toThrow('none of the files was changed');
    expect(fs.readlinkSync(join(root, 'backup.py'))).toBe(join(root, 'nowhere.py'));
    expect(fs.readdirSync(root).sort()).toEqual(['backup.py', 'config.yml']);
  });

  it('refuses two paths that name one file, writing nothing', () => {
    const root = tempDir('one-file');
    fs.writeFileSync(join(root, 'conf-dev.yml'), 'dev\n');
    fs.symlinkSync('conf-dev.yml', join(root, 'conf-staging.yml'));
    const files = [
      { path: 'conf-dev.yml', content: 'a\n' },
      { path: 'conf-staging.yml', content: 'b\n' },
    ];
    expect(() => writeAll(root, files)).toThrow(
      'conf-dev.yml and conf-staging.yml are one file (a link): make them two files',
    );
    expect(fs.readFileSync(join(root, 'conf-dev.yml'), 'utf8')).toBe('dev\n');
    expect(fs.readdirSync(root).sort()).toEqual(['conf-dev.yml', 'conf-staging.yml']);
  });
});
