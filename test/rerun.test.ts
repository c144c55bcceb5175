/**
 * The user's repository is precious: re-runs leave identical files alone and
 * edited ones untouched without --force; a check, an error or Ctrl-C leaves
 * no partial file; without a terminal nothing waits for input.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';

import { CommandError } from '../src/errors.js';
import { checkPython, compilerPath } from '../src/compile.js';
import { checkYaml, writeAll } from '../src/files.js';
import { version } from '../src/version.js';
import { ROOT, cli, exampleCopy, snapshot, tempDir } from './helpers.js';
import { inProcess } from './in-process.js';

const FLAGS = ['--yes', '--remote-host', 'app.example.com'];

describe('re-running create-mcc-pipeline', () => {
  let repo: string;
  let generated: Record<string, string>;

  beforeAll(async () => {
    repo = exampleCopy();
    const first = await inProcess('create', [repo, ...FLAGS]);
    expect(first.exitCode).toBe(0);
    generated = snapshot(repo);
  });

  it('reports every file unchanged and writes nothing', async () => {
    const again = await inProcess('create', [repo, ...FLAGS]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/unchanged +mcc_deploy\.py/);
    expect(again.stdout).not.toMatch(/created|updated/);
    expect(snapshot(repo)).toEqual(generated);
  });

  it('takes a list in another order as the same list', async () => {
    const root = exampleCopy();
    const lists = ['--cron', 'backup,cleanup', '--services', 'notes-api,notes-worker'];
    expect((await inProcess('create', [root, ...FLAGS, ...lists])).exitCode).toBe(0);
    const before = snapshot(root);
    const reordered = ['--cron', 'cleanup,backup', '--services', 'notes-worker,notes-api'];
    const again = await inProcess('create', [root, ...FLAGS, ...reordered]);
    expect(again.stderr).toBe('');
    expect(again.exitCode).toBe(0);
    expect(snapshot(root)).toEqual(before);
  });

  it('says which cron script and conf no stage uses after a re-run drops them', async () => {
    const root = exampleCopy();
    expect((await inProcess('create', [root, ...FLAGS, '--cron', 'backup,cleanup'])).exitCode).toBe(
      0,
    );
    const dropped = await inProcess('create', [root, ...FLAGS, '--cron', 'backup', '--force']);
    expect(dropped.stdout).toContain(
      'note: no stage runs mcc/cron/cleanup.py any more; remove it if it is not needed',
    );
    expect(existsSync(join(root, 'mcc', 'cron', 'cleanup.py'))).toBe(true);
    const fewer = await inProcess('create', [root, ...FLAGS, '--stages', 'prod', '--force']);
    expect(fewer.stdout).toContain('note: no stage uses mcc/conf-dev.yml any more');
  });

  it('keeps an edited file without --force, shows it with --dry-run, then overwrites', async () => {
    const path = join(repo, 'mcc_deploy.py');
    const edited = readFileSync(path, 'utf8').replace('def main(', '# my change\ndef main(');
    writeFileSync(path, edited);
    const before = snapshot(repo);

    const refused = await inProcess('create', [repo, ...FLAGS]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('mcc_deploy.py would change');
    expect(refused.stderr).toContain('--force');
    expect(snapshot(repo)).toEqual(before);

    const dryRun = await inProcess('create', [repo, ...FLAGS, '--dry-run']);
    expect(dryRun.exitCode).toBe(0);
    expect(dryRun.stdout).toContain('--- a/mcc_deploy.py');
    expect(dryRun.stdout).toContain('+++ b/mcc_deploy.py');
    expect(dryRun.stdout).toContain('-# my change');
    expect(dryRun.stdout).toMatch(/differs, kept without --force +mcc_deploy\.py/);
    expect(snapshot(repo)).toEqual(before);

    const forced = await inProcess('create', [repo, ...FLAGS, '--force']);
    expect(forced.exitCode).toBe(0);
    expect(forced.stdout).toMatch(/updated +mcc_deploy\.py/);
    expect(snapshot(repo)).toEqual(generated);
  });

  it('shows new files as diffs from /dev/null on a dry run and writes nothing', async () => {
    const fresh = exampleCopy();
    const pristine = snapshot(fresh);
    const dryRun = await inProcess('create', [fresh, ...FLAGS, '--dry-run']);
    expect(dryRun.exitCode).toBe(0);
    expect(dryRun.stdout).toContain('--- /dev/null');
    expect(dryRun.stdout).toMatch(/would create +mcc_build\.py/);
    expect(snapshot(fresh)).toEqual(pristine);
  });
});

describe('checking before writing', () => {
  it('refuses generated Python that does not compile, naming file and line', async () => {
    const files = [
      { path: 'good.py', content: 'x = 1\n' },
      { path: 'bad.py', content: 'def f(:\n    pass\n' },
    ];
    await expect(checkPython(files, ROOT)).rejects.toThrow(/bad\.py line 1/);
    await expect(checkPython(files, ROOT)).rejects.toBeInstanceOf(CommandError);
    await expect(
      checkPython([{ path: 'a.py', content: 'x = 1\n' }], ROOT),
    ).resolves.toBeUndefined();
  });

  /** What checkPython notes on stderr about a file that does not compile, with PATH as given. */
  async function notesWithPath(path: string): Promise<string> {
    const previous = process.env.PATH;
    const notes: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.env.PATH = path;
    process.stderr.write = ((chunk: string) => notes.push(String(chunk))) as never;
    try {
      await checkPython([{ path: 'bad.py', content: 'def f(:\n' }], tempDir('no-venv'));
    } finally {
      process.env.PATH = previous;
      process.stderr.write = write;
    }
    return notes.join('');
  }

  it('says so when python3 is absent, and goes on', async () => {
    expect(await notesWithPath(tempDir('no-python'))).toContain('python3 not found');
  });

  it('says so when python3 is too old to judge the scripts, and goes on', async () => {
    const bin = tempDir('old-python');
    writeFileSync(join(bin, 'python3'), `#!/bin/sh\necho '{"version": "3.7"}'\n`, { mode: 0o755 });
    expect(await notesWithPath(`${bin}:${process.env.PATH}`)).toContain(
      'note: python3 is Python 3.7, older than the 3.11 the generated scripts need, ' +
        'so the generated Python was not compiled',
    );
  });

  it("compiles with the project's own Python when it has one, else python3", async () => {
    const root = tempDir('own-python');
    expect(compilerPath(root)).toBe('python3');
    mkdirSync(join(root, '.venv', 'bin'), { recursive: true });
    const { stdout } = await execa('python3', ['-c', 'import sys; print(sys.executable)']);
    symlinkSync(stdout.trim(), join(root, '.venv', 'bin', 'python'));
    expect(compilerPath(root)).toBe(join(root, '.venv', 'bin', 'python'));
    await expect(checkPython([{ path: 'bad.py', content: 'def f(:\n' }], root)).rejects.toThrow(
      /bad\.py line 1/,
    );
    // A broken one is named, and so is an answer that is not one.
    const fake = (script: string) => {
      rmSync(join(root, '.venv', 'bin', 'python'));
      writeFileSync(join(root, '.venv', 'bin', 'python'), `#!/bin/sh\n${script}\n`, {
        mode: 0o755,
      });
    };
    const good = [{ path: 'a.py', content: 'x = 1\n' }];
    const cannot = `${join(root, '.venv', 'bin', 'python')} could not check the generated Python, `;
    fake('echo broken >&2; exit 3');
    await expect(checkPython(good, root)).rejects.toThrow(`${cannot}nothing was written: broken`);
    fake('cat >/dev/null; echo null');
    await expect(checkPython(good, root)).rejects.toThrow('unexpected answer "null"');
    fake(`echo '{"problems": [1]}'`);
    await expect(checkPython(good, root)).rejects.toThrow('unexpected answer');
    // One too old for the scripts hands the check to python3, also one too old to say so.
    for (const old of [`echo '{"version": "3.7"}'`, 'echo "Unknown option: -I" >&2; exit 2']) {
      fake(old);
      await expect(checkPython([{ path: 'bad.py', content: 'def f(:\n' }], root)).rejects.toThrow(
        /generated Python does not compile, nothing was written: bad\.py line 1/,
      );
    }
    // An environment whose interpreter is gone is passed over.
    rmSync(join(root, '.venv', 'bin', 'python'));
    symlinkSync(join(root, 'nowhere'), join(root, '.venv', 'bin', 'python'));
    expect(compilerPath(root)).toBe('python3');
  });

  it('lets a python3 started for a write go when the command fails before it', async () => {
    const repo = exampleCopy();
    expect((await cli('create', [...FLAGS, '--cron', 'none'], repo)).exitCode).toBe(0);
    const before = snapshot(repo);
    const failed = await cli('mcc', ['add', 'cron', 'backups', '--yes'], repo);
    expect(failed.exitCode).toBe(2);
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
    expect(snapshot(repo)).toEqual(before);
    // The same, in this process: the next check starts from a fresh python3.
    expect((await inProcess('mcc', ['add', 'cron', 'backups', '--yes'], repo)).exitCode).toBe(2);
    await expect(checkPython([{ path: 'bad.py', content: 'def f(:\n' }], repo)).rejects.toThrow(
      /bad\.py line 1/,
    );
  });

  it('refuses invalid YAML', () => {
    expect(() => checkYaml([{ path: 'c.yml', content: 'a: [b\n' }])).toThrow(
      /c\.yml is not valid YAML/,
    );
  });

  it('removes its temporary files and changes nothing when a write fails', () => {
    const root = tempDir('failing');
    writeFileSync(join(root, 'blocker'), 'a file where a folder should be\n');
    const files = [
      { path: 'first.txt', content: 'one\n' },
      { path: 'blocker/second.txt', content: 'two\n' },
    ];
    expect(() => writeAll(root, files)).toThrow();
    expect(readdirSync(root)).toEqual(['blocker']);
  });

  it('finishes every file when Ctrl-C comes during the write, then exits 130', async () => {
    const root = tempDir('interrupted');
    const script = `
      import { applyPlan } from ${JSON.stringify(join(ROOT, 'dist/src/apply.js'))};
      import { exitWith } from ${JSON.stringify(join(ROOT, 'dist/src/errors.js'))};
      const files = Array.from({ length: 30 }, (_, i) => ({
        path: 'out/f' + i + '.txt',
        content: String(i % 10).repeat(4_000_000),
      }));
      try {
        const options = { dryRun: false, force: false, interactive: false };
        await applyPlan(process.argv[1], files, options);
      } catch (error) {
        exitWith(error);
      }`;
    const child = spawn('node', ['--input-type=module', '-e', script, root], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // Interrupt as soon as the first temporary file appears.
    const poll = setInterval(() => {
      if (existsSync(join(root, 'out'))) {
        clearInterval(poll);
        child.kill('SIGINT');
      }
    }, 1);
    const code = await new Promise((done) => child.on('exit', done));
    clearInterval(poll);
    expect(stderr).toContain('SIGINT received');
    expect(code).toBe(130);
    const written = readdirSync(join(root, 'out'));
    expect(written).toHaveLength(30);
    expect(written.filter((name) => name.endsWith('.tmp'))).toEqual([]);
    for (const name of written) {
      expect(readFileSync(join(root, 'out', name), 'utf8')).toHaveLength(4_000_000);
    }
  });
});

describe('without a terminal', () => {
  it('fails at once, naming every flag that has no default', async () => {
    const repo = exampleCopy();
    const pristine = snapshot(repo);
    const [single, multi] = await Promise.all([
      cli('create', [], repo),
      cli('create', ['--tenancy', 'multi'], repo),
    ]);
    expect(single.stderr).toBe(
      'error: no default for --remote-host (server host name): pass it as a flag, ' +
        'or run in a terminal to be asked',
    );
    expect(single.exitCode).toBe(2);
    expect(multi.stderr).toContain('--domains (customer domains), --remote-host');
    expect(multi.exitCode).toBe(2);
    expect(snapshot(repo)).toEqual(pristine);
  });
});

describe('help, version and colours', () => {
  it('has --help with an example on every command, and --version', async () => {
    const cwd = tempDir('help');
    const runs = await Promise.all([
      cli('create', ['--help'], cwd),
      cli('mcc', ['--help'], cwd),
      cli('mcc', ['try', '--help'], cwd),
      cli('mcc', ['check', '--help'], cwd),
      cli('mcc', ['stop', '--help'], cwd),
      cli('create', ['--version'], cwd),
      cli('mcc', ['--version'], cwd),
    ]);
    for (const run of runs.slice(0, 5)) {
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toMatch(/Examples?:\n {2}\$ /);
    }
    for (const run of runs.slice(5)) expect(run.stdout.trim()).toBe(version());
  });

  it('prints no colour codes with NO_COLOR or without a terminal, even in CI', async () => {
    const { FORCE_COLOR: _force, NO_COLOR: _no, ...env } = process.env;
    const run = (extra: Record<string, string>) =>
      execa('node', [join(ROOT, 'bin/create-mcc-pipeline.js'), ...FLAGS], {
        cwd: exampleCopy(),
        env: { ...env, ...extra },
        extendEnv: false,
        stdin: 'ignore',
      });
    const [piped, inCi, forced] = await Promise.all([
      run({}),
      run({ CI: 'true' }),
      run({ FORCE_COLOR: '1' }),
    ]);
    expect(piped.stdout).not.toContain('\u001b[');
    expect(inCi.stdout).not.toContain('\u001b[');
    expect(forced.stdout).toContain('\u001b[');
  });
});
