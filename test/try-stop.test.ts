/**
 * However mcc try ends (a signal to it alone, a failed deploy, a bad flag),
 * it leaves no app process of its sandbox running unless it passed and was
 * asked to keep them; mcc stop stops all of them. Real processes, real
 * sandboxes: each assertion reads /proc.
 */
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';

import { cli, generatedExample, ROOT, tempDir } from './helpers.js';

const MCC = join(ROOT, 'bin', 'mcc.js');

/** Pids of the processes started with MCC_REMOTE_BASE=sandbox, as the supervisor starts apps. */
function appProcesses(sandbox: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
        return environ.includes(`MCC_REMOTE_BASE=${sandbox}`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The command lines of the processes working in folder, such as the build's tests. */
function processesIn(folder: string): string[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((pid) => {
      try {
        if (readlinkSync(`/proc/${pid}/cwd`) !== folder) return [];
        return [readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')];
      } catch {
        return [];
      }
    });
}

/**
 * Run mcc try and send signal to its pid alone once `ready` is true of what
 * it printed so far (or of nothing, polled); returns its exit and output.
 */
async function tryAndSignal(
  repo: string,
  args: string[],
  signal: NodeJS.Signals,
  ready: (stdout: string) => boolean,
) {
  const child = execa('node', [MCC, 'try', '--stage', 'dev', ...args], {
    cwd: repo,
    env: { UV_NATIVE_TLS: '1', NO_COLOR: '1' },
    stdin: 'ignore',
    reject: false,
  });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const poll = setInterval(() => {
    if (ready(stdout)) {
      clearInterval(poll);
      child.kill(signal);
    }
  }, 50);
  const result = await child;
  clearInterval(poll);
  return { exitCode: result.exitCode, stdout, stderr: String(result.stderr) };
}

const appStarted = (stdout: string) => /restarted as pid \d+/.test(stdout);

function editYaml(path: string, key: string, value: unknown): void {
  const document = parseDocument(readFileSync(path, 'utf8'));
  document.set(key, value);
  writeFileSync(path, document.toString());
}

describe('mcc try stops what it started', () => {
  it('on SIGTERM, SIGHUP or SIGINT to its pid alone, in the deploy or in the build', async () => {
    const repo = await generatedExample();
    const sandbox = tempDir('signal');

    const term = await tryAndSignal(repo, ['--sandbox', sandbox], 'SIGTERM', appStarted);
    expect(term.exitCode).toBe(143);
    expect(term.stderr.trimEnd().split('\n').at(-1)).toBe(
      `error: stopped by SIGTERM; its apps are stopped and the sandbox ${sandbox} keeps the rest`,
    );
    const started = Number(/restarted as pid (\d+)/.exec(term.stdout)![1]);
    expect(existsSync(`/proc/${started}`)).toBe(false);
    expect(appProcesses(sandbox)).toEqual([]);

    const flags = ['--sandbox', sandbox, '--skip-build', '--keep-running'];
    const hup = await tryAndSignal(repo, flags, 'SIGHUP', appStarted);
    expect(hup.exitCode).toBe(129);
    expect(hup.stderr).toMatch(/^deploy failed at step \d \(.*\): stopped by SIGTERM;/m);
    expect(hup.stderr).toContain('error: stopped by SIGHUP');
    expect(appProcesses(sandbox)).toEqual([]);

    // A test that takes 60 s: the build is stopped in it, not waited for.
    writeFileSync(
      join(repo, 'tests', 'test_slow.py'),
      'import time\n\n\ndef test_slow():\n    time.sleep(60)\n',
    );
    const testsRun = () => processesIn(repo).some((command) => command.includes('pytest'));
    const startedAt = Date.now();
    const int = await tryAndSignal(repo, ['--sandbox', sandbox], 'SIGINT', testsRun);
    expect(int.exitCode).toBe(130);
    expect(int.stderr).toContain('error: stopped by SIGINT');
    expect(Date.now() - startedAt).toBeLessThan(45_000);
    expect(processesIn(repo)).toEqual([]);
    expect(int.stdout).not.toContain('== deploy');
    expect(appProcesses(sandbox)).toEqual([]);
  });

  it('when the deploy fails, even with --keep-running; the conf keeps SMOKE_TIMEOUT', async () => {
    const repo = await generatedExample();
    const sandbox = tempDir('failed');
    const first = await cli('mcc', ['try', '--stage', 'dev', '--sandbox', sandbox], repo);
    expect(first.stdout).toContain('try passed');

    // Smoke URLs the app does not serve, and a short wait of the conf's own.
    const answers = join(repo, 'mcc', 'answers.yml');
    editYaml(answers, 'healthPath', '/api/missing');
    editYaml(join(repo, 'output', 'mcc', 'conf-dev.yml'), 'SMOKE_TIMEOUT', 2);
    const args = ['try', '--stage', 'dev', '--sandbox', sandbox, '--skip-build', '--keep-running'];
    const failed = await cli('mcc', args, repo);

    expect(failed.exitCode).toBe(1);
    expect(failed.stdout + failed.stderr).toContain(
      '/api/missing did not answer 200 within 2s (HTTP 404)',
    );
    expect(failed.stdout).toContain(
      `try failed: the deploy exited with 1; see the sandbox ${sandbox}`,
    );
    expect(failed.stdout).not.toContain('still running');
    expect(appProcesses(sandbox)).toEqual([]);
  });

  it('mcc stop stops every app of the sandbox, also of a service the conf dropped', async () => {
    const repo = await generatedExample(['--services', 'notes-api,notes-worker']);
    const sandbox = tempDir('stop');
    const keep = ['try', '--stage', 'dev', '--sandbox', sandbox, '--keep-running'];
    expect((await cli('mcc', keep, repo)).stdout).toContain('try passed');
    const worker = Number(readFileSync(join(sandbox, '.mcc-try', 'notes-worker.pid'), 'utf8'));

    editYaml(join(repo, 'mcc', 'answers.yml'), 'services', ['notes-api']);
    editYaml(join(repo, 'output', 'mcc', 'conf-dev.yml'), 'SERVICES', ['notes-api']);
    const second = await cli('mcc', [...keep, '--skip-build'], repo);
    expect(second.stdout).toContain('try passed');
    expect(appProcesses(sandbox)).toHaveLength(2);
    expect(appProcesses(sandbox)).toContain(worker);

    const stop = await cli('mcc', ['stop', '--sandbox', sandbox], repo);
    expect(stop.exitCode).toBe(0);
    expect(stop.stdout).toContain(`notes-worker: stopped pid ${worker}`);
    expect(stop.stdout).toMatch(/^notes-api: stopped pid \d+$/m);
    expect(appProcesses(sandbox)).toEqual([]);
    const again = await cli('mcc', ['stop', '--sandbox', sandbox], repo);
    expect(again.stdout).toBe(`nothing is running in the sandbox ${sandbox}`);
  });
});

describe('mcc try refuses before it creates or builds anything', () => {
  it('a sandbox below a file, and --skip-build without output/', async () => {
    const repo = await generatedExample();
    const folder = tempDir('paths');
    writeFileSync(join(folder, 'afile'), 'a file\n');

    const below = join(folder, 'afile', 'sub');
    const underFile = await cli('mcc', ['try', '--stage', 'dev', '--sandbox', below], repo);
    expect(underFile.exitCode).toBe(2);
    expect(underFile.stderr).toBe(
      `error: --sandbox "${below}": ${join(folder, 'afile')} is a file, expected a folder`,
    );

    const deep = join(folder, 'nonexist', 'deep');
    const args = ['try', '--stage', 'dev', '--skip-build', '--sandbox', deep];
    const noOutput = await cli('mcc', args, repo);
    expect(noOutput.exitCode).toBe(2);
    expect(noOutput.stderr).toBe(
      `error: --skip-build: no ${join(repo, 'output')} folder, nothing to deploy; ` +
        'run without --skip-build',
    );
    mkdirSync(join(repo, 'output'));
    const emptyOutput = await cli('mcc', args, repo);
    expect(emptyOutput.exitCode).toBe(2);
    expect(emptyOutput.stderr).toMatch(/output holds no mcc_deploy.py, nothing to deploy; run/);
    expect(existsSync(join(folder, 'nonexist'))).toBe(false);
  });

  it('a PostgreSQL project with no connection, at once', async () => {
    const repo = await generatedExample(['--database', 'postgres']);
    const none = { DATABASE_URL: '', PGHOST: '', PGDATABASE: '', PGSERVICE: '' };
    const sandbox = join(tempDir('pg'), 'sandbox');
    const result = await cli('mcc', ['try', '--stage', 'dev', '--sandbox', sandbox], repo, none);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      'error: DATABASE_URL is not set: a PostgreSQL project needs it, e.g. ' +
        'DATABASE_URL=postgresql://USER:PASSWORD@127.0.0.1 mcc try --stage dev',
    );
    expect(existsSync(join(repo, 'output'))).toBe(false);
    expect(existsSync(sandbox)).toBe(false);
  });

  it('names the temporary sandbox of a failed try, which mcc stop recognises', async () => {
    const repo = await generatedExample();
    writeFileSync(join(repo, 'tests', 'test_broken.py'), 'def test_broken():\n    assert 1 == 2\n');
    const temporary = tempDir('tmp');
    const result = await cli('mcc', ['try', '--stage', 'dev'], repo, { TMPDIR: temporary });
    expect(result.exitCode).toBe(1);
    const line = result.stderr.trimEnd().split('\n').at(-1)!;
    const [, sandbox] = /nothing was deployed into the sandbox (\S+)$/.exec(line) ?? [];
    expect(sandbox?.startsWith(join(temporary, 'mcc-sandbox-'))).toBe(true);

    const stop = await cli('mcc', ['stop', '--sandbox', sandbox!], repo);
    expect(stop).toEqual({
      exitCode: 0,
      stdout: `nothing is running in the sandbox ${sandbox}`,
      stderr: '',
    });
  });
});
