/**
 * mcc add and mcc check against what a tester threw at them: names that
 * clash, flags that do not apply, YAML they cannot read, merge keys, CRLF
 * files, folders where files belong, a closed pipe, and re-runs of
 * create-mcc-pipeline after an add.
 */
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { initGenerator } from '../../generators/init.js';
import { carryAddedDetails, readAnswers } from '../../src/answers.js';
import { detect } from '../../src/detect.js';
import { lockPath } from '../../src/lock.js';
import { planFiles } from '../../src/engine.js';
import { compare } from '../../src/files.js';
import { ask, toAnswers, toRaw } from '../../src/questions.js';
import { ROOT, cli, exampleCopy, snapshot, tempDir } from '../helpers.js';
import { inProcess } from '../in-process.js';

const HOST = ['--yes', '--remote-host', 'app.example.com'];
const read = (repo: string, path: string) => readFileSync(join(repo, path), 'utf8');

let repo: string;

async function generate(...flags: string[]): Promise<string> {
  const root = exampleCopy();
  const result = await inProcess('create', [root, ...HOST, ...flags]);
  expect(result.stderr).toBe('');
  return root;
}

function copy(): string {
  const target = tempDir('robust');
  cpSync(repo, target, { recursive: true });
  return target;
}

const add = (root: string, ...args: string[]) =>
  inProcess('mcc', ['add', ...args, '--yes', '-C', root]);

beforeAll(async () => {
  repo = await generate();
}, 60_000);

describe('mcc add refuses, in one line, writing nothing', () => {
  const CASES: [string[], RegExp][] = [
    [['stage', 'rollback-prod'], /rollback-<stage> stages come with their stage/],
    [['stage', 'rollback-qa'], /rollback-<stage> stages come with their stage/],
    [['stage', 'reset-dev', '--stage', 'prod'], /"prod": reset-dev refuses to run on the prod/],
    [['stage', 'db-backup', '--source', 'prod'], /--source "prod": applies only to clone/],
    [['stage', 'db-backup', '--remote-host', 'x.example.com'], /--remote-host "x.example.com"/],
    [['stage', 'qa', '--stage', 'prod'], /--stage "prod": applies to a handler stage/],
    [['stage', 'qa', '--source', 'prod'], /--source "prod": applies to a handler stage/],
    [['migration', 'ünï'], /migration "ünï": expected a name starting with a letter, of ASCII/],
    [['cron', 'backup', '--schedule', '5 * * * *'], /--schedule "5 \* \* \* \*": mcc\/conf-/],
    [['migration', '../../etc/passwd'], /migration "..\/..\/etc\/passwd"/],
    [['migration', 'a;drop'], /migration "a;drop"/],
    [['cron', 'cleanup', '--stage', 'prod,prod'], /--stage "prod,prod": "prod" is listed twice/],
    [
      ['cron', 'Nightly', '--custom', '--schedule', '0 1 * * *'],
      /cron job "Nightly": expected a job name of lower-case letters/,
    ],
    [['stage', 'clone-prod-to-dev', '--source', 'dev', '--stage', 'prod'], /"prod": clone-prod/],
    [['stage', 'prdo'], /stage "prdo": did you mean prod\? \(pass --deployment/],
    [['cron'], /^error: give the cron job to add, e.g. mcc add cron backup$/m],
    [['stage'], /^error: give the stage to add, e.g. mcc add stage clone-prod-to-dev$/m],
    [
      ['stage', 'db-backup', '--stage', 'rollback-prod'],
      /--stage "rollback-prod": expected a deployment stage, not a rollback stage/,
    ],
    [
      ['cron', 'cleanup', '--stage', 'rollback-dev'],
      /--stage "rollback-dev": expected a deployment stage, not a rollback stage/,
    ],
    [
      ['stage', 'staging', '--remote-base', '/srv/notes-api-prod'],
      /--remote-base "\/srv\/notes-api-prod": stage prod deploys into that folder on app/,
    ],
    [['service', 'worker@.service'], /service "worker@.service": expected a systemd unit/],
  ];

  it.each(CASES)('%j', async (args, message) => {
    const before = snapshot(repo);
    const result = await add(repo, ...args);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/^error: [^\n]*\n$/);
    expect(result.exitCode).toBe(2);
    expect(snapshot(repo)).toEqual(before);
  });

  it('refuses a SQLite clone between two servers', async () => {
    const root = exampleCopy();
    const flags = ['--yes', '--remote-host', '{stage}.example.com'];
    expect((await inProcess('create', [root, ...flags])).exitCode).toBe(0);
    const before = snapshot(root);
    const result = await add(root, 'stage', 'clone-prod-to-dev');
    expect(result.stderr).toBe(
      'error: stage clone-prod-to-dev: prod deploys to prod.example.com and dev to ' +
        "dev.example.com; a SQLite clone reads prod's files on dev's server, so both must " +
        'be on one\n',
    );
    expect(result.exitCode).toBe(2);
    expect(snapshot(root)).toEqual(before);
  });

  it('refuses a name that only looks like a flag, and a folder that is not there', async () => {
    const before = snapshot(repo);
    const dashed = await inProcess('mcc', ['add', 'migration', '-C', repo, '--yes', '--', '--yes']);
    expect(dashed.stderr).toMatch(/^error: migration "--yes": expected a name starting with/);
    expect(dashed.exitCode).toBe(2);
    const nowhere = await inProcess('mcc', ['add', 'cron', 'backup', '-C', '/nonexistent']);
    expect(nowhere.stderr).toBe('error: -C "/nonexistent": expected a folder\n');
    expect(nowhere.exitCode).toBe(2);
    expect(snapshot(repo)).toEqual(before);
  });

  it('refuses a handler name that config.yml gives a deployment stage, and back', async () => {
    const root = copy();
    const deployment = '  db-backup:\n    allow_branches: .*\n    auto_branches: "-"\n';
    writeFileSync(join(root, 'config.yml'), read(root, 'config.yml') + deployment);
    const before = snapshot(root);
    const clash = await add(root, 'stage', 'db-backup');
    expect(clash.stderr).toBe(
      'error: stage "db-backup": config.yml has a deployment stage of that name\n',
    );
    expect(clash.exitCode).toBe(2);
    expect(snapshot(root)).toEqual(before);

    expect((await add(root, 'stage', 'clone-prod-to-dev')).exitCode).toBe(0);
    const other = await add(root, 'stage', 'clone-prod-to-dev', '--deployment');
    expect(other.stderr).toMatch(/^error: --deployment: applies to a new deployment stage/);
  });

  it('says what a handler stage works on when --stage or --source names another', async () => {
    const root = copy();
    expect((await add(root, 'stage', 'db-backup')).exitCode).toBe(0);
    const result = await add(root, 'stage', 'db-backup', '--stage', 'dev');
    expect(result.stderr).toMatch(
      /^error: --stage "dev": stage db-backup exists already, for prod;/,
    );
    expect(result.exitCode).toBe(2);

    expect((await add(root, 'stage', 'clone-prod-to-dev')).exitCode).toBe(0);
    const same = await add(root, 'stage', 'clone-prod-to-dev', '--source', 'dev', '--stage', 'dev');
    expect(same.stderr).toMatch(
      /^error: --source "dev": stage clone-prod-to-dev exists already, copying from prod;/,
    );
    expect(same.exitCode).toBe(2);
    const agreeing = await add(root, 'stage', 'clone-prod-to-dev', '--source', 'prod');
    expect(agreeing.stdout).toContain('already there; nothing changed');
  });

  it('refuses a config.yml without stages before planning anything', async () => {
    for (const text of ['', 'hello\n', 'deploy: {}\n']) {
      const root = copy();
      writeFileSync(join(root, 'config.yml'), text);
      const before = snapshot(root);
      for (const args of [
        ['stage', 'db-backup'],
        ['service', 'w'],
        ['cron', 'health-check'],
      ]) {
        const result = await add(root, ...args);
        expect(result.stderr).toBe(
          'error: config.yml has no stages under deploy: restore it, or run ' +
            'npx create-mcc-pipeline again\n',
        );
        expect(result.exitCode).toBe(1);
      }
      expect(snapshot(root)).toEqual(before);
    }
  });
});

describe('mcc add edits a file in place of the old one', () => {
  it('keeps its mode and owner, and writes through a link to the file it names', async () => {
    const root = copy();
    const prod = join(root, 'mcc', 'conf-prod.yml');
    chmodSync(prod, 0o600);
    if (process.getuid?.() === 0) chownSync(prod, 1234, 1234);
    const elsewhere = join(tempDir('linked'), 'conf-dev.yml');
    renameSync(join(root, 'mcc', 'conf-dev.yml'), elsewhere);
    symlinkSync(elsewhere, join(root, 'mcc', 'conf-dev.yml'));

    const result = await add(root, 'service', 'notes-worker');
    expect(result.stderr).toBe('');
    expect(statSync(prod).mode & 0o777).toBe(0o600);
    if (process.getuid?.() === 0) expect(statSync(prod).uid).toBe(1234);
    expect(lstatSync(join(root, 'mcc', 'conf-dev.yml')).isSymbolicLink()).toBe(true);
    expect(read(root, 'mcc/conf-prod.yml')).toContain('SERVICES: [notes-api, notes-worker]');
    expect(readFileSync(elsewhere, 'utf8')).toContain('SERVICES: [notes-api, notes-worker]');
    const again = await add(root, 'service', 'notes-worker.service');
    expect(again.stdout).toContain('is already there');
  });
});

describe('mcc add on files it cannot read', () => {
  const BROKEN: [string, string, RegExp, string[]][] = [
    ['config.yml', 'tab indentation', /^error: config\.yml: line \d+: Tabs/, ['cron', 'cleanup']],
    [
      'mcc/conf-dev.yml',
      'an unclosed list',
      /^error: mcc\/conf-dev\.yml: line \d+: /,
      ['service', 'w'],
    ],
    [
      'mcc/conf-prod.yml',
      'a repeated key',
      /^error: mcc\/conf-prod\.yml: line \d+: the key "WORKERS" is twice in one mapping; the d/,
      ['cron', 'cleanup'],
    ],
  ];
  const breaks: Record<string, (text: string) => string> = {
    'tab indentation': (text) => text.replace('\n  prod:', '\n\tprod:'),
    'an unclosed list': (text) => text.replace(/^SERVICE_NAME: .*$/m, 'SERVICES: [a, b'),
    'a repeated key': (text) => `${text}WORKERS: 3\n`,
  };

  it.each(BROKEN)('%s with %s', async (file, how, message, args) => {
    const root = copy();
    writeFileSync(join(root, file), breaks[how]!(read(root, file)));
    const before = snapshot(root);
    const result = await add(root, ...args);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.exitCode).toBe(1);
    expect(snapshot(root)).toEqual(before);
  });

  it('a folder where a file would be read or written', async () => {
    const root = copy();
    mkdirSync(join(root, 'mcc/cron/cleanup.py'), { recursive: true });
    mkdirSync(join(root, 'mcc/stages/db_backup.py'), { recursive: true });
    const cron = await add(root, 'cron', 'cleanup');
    expect(cron.stderr).toBe('error: mcc/cron/cleanup.py is a folder, not a file\n');
    expect(cron.exitCode).toBe(1);
    const stage = await add(root, 'stage', 'db-backup');
    expect(stage.stderr).toBe('error: mcc/stages/db_backup.py is a folder, not a file\n');
  });

  it('leaves quietly when its output is cut short (| head)', async () => {
    const result = await execa(
      'sh',
      [
        '-c',
        `node ${join(ROOT, 'bin/mcc.js')} add stage clone-prod-to-dev --dry-run --yes | head -1`,
      ],
      { cwd: repo, reject: false },
    );
    expect(result.stderr).toBe('');
  });
});

describe('YAML as PyYAML reads it', () => {
  const MERGED = `defaults: &d
  auto_branches: "-"
  allow_branches: .*
  parameters: {keep_builds: 5}
deploy:
  prod:
    <<: *d
    allow_branches: ^main$
    parameters: {conf: conf-prod.yml}
  dev:
    <<: *d
    parameters: {conf: conf-dev.yml}
`;

  it('checks and extends a config.yml with merge keys, keeping prod to its branch', async () => {
    const root = copy();
    writeFileSync(join(root, 'config.yml'), MERGED);
    const check = await inProcess('mcc', ['check', root]);
    expect(check.stdout).not.toContain('unknown key');
    expect(check.exitCode).toBe(0);
    expect((await add(root, 'stage', 'db-restore')).exitCode).toBe(0);
    expect(parse(read(root, 'config.yml'), { merge: true }).deploy['db-restore']).toMatchObject({
      allow_branches: '^main$',
    });
  });

  it('refuses to guess the branches of a stage whose allow_branches it cannot read', async () => {
    const root = copy();
    writeFileSync(
      join(root, 'config.yml'),
      read(root, 'config.yml').replace('allow_branches: ^main$', 'allow_branches: [main]'),
    );
    const result = await add(root, 'stage', 'db-restore');
    expect(result.stderr).toMatch(/^error: stage db-restore: the allow_branches of prod/);
    expect(result.exitCode).toBe(2);
  });

  it('takes a conf already there as the stage conf, refusing flags it would ignore', async () => {
    const root = copy();
    const own = read(root, 'mcc/conf-dev.yml')
      .replace(/^STAGE: .*$/m, 'STAGE: staging')
      .replace(/^REMOTE_HOST: .*$/m, 'REMOTE_HOST: own.example.com')
      .replace(/^REMOTE_BASE: .*$/m, 'REMOTE_BASE: /srv/own');
    writeFileSync(join(root, 'mcc/conf-staging.yml'), own);
    const before = snapshot(root);
    const flagged = await add(root, 'stage', 'staging', '--remote-host', 's.example.com');
    expect(flagged.stderr).toBe(
      'error: --remote-host "s.example.com": stage staging deploys with REMOTE_HOST ' +
        '"own.example.com"; change it in mcc/conf-staging.yml, ' +
        'or remove that file to have it made\n',
    );
    expect(flagged.exitCode).toBe(2);
    expect(snapshot(root)).toEqual(before);
    const added = await add(root, 'stage', 'staging');
    expect(added.exitCode).toBe(0);
    expect(added.stdout).toContain('it deploys with the mcc/conf-staging.yml that is there');
    expect(added.stdout).not.toContain('starts as a copy');
    expect(read(root, 'mcc/conf-staging.yml')).toBe(own);
    // The same host again is no change; another stage's conf is not this one's.
    expect((await add(root, 'stage', 'staging', '--remote-host', 'own.example.com')).exitCode).toBe(
      0,
    );
    writeFileSync(join(root, 'mcc/conf-qa.yml'), read(root, 'mcc/conf-dev.yml'));
    const borrowed = await add(root, 'stage', 'qa');
    expect(borrowed.stderr).toContain('mcc/conf-qa.yml is there already, for stage "dev"');
    expect(borrowed.exitCode).toBe(2);
    const recorded = parse(read(root, 'mcc/answers.yml')).stages.at(-1);
    expect(recorded).toMatchObject({
      name: 'staging',
      remoteHost: 'own.example.com',
      remoteBase: '/srv/own',
    });
  });

  it("lets two adds run at once, losing neither, and takes over a dead one's lock", async () => {
    const root = copy();
    const job = (name: string) =>
      cli('mcc', ['add', 'cron', name, '--custom', '--schedule', '1 1 * * *', '--yes'], root);
    const results = await Promise.all([job('job-a'), job('job-b'), job('job-c')]);
    for (const result of results) expect(result.exitCode).toBe(0);
    const jobs = (parse(read(root, 'mcc/conf-dev.yml')).CRON_JOBS as { name: string }[]).map(
      (entry) => entry.name,
    );
    expect(jobs).toEqual(expect.arrayContaining(['job-a', 'job-b', 'job-c']));

    const finished = execa('true');
    const { pid } = finished;
    await finished;
    const lock = lockPath(root);
    writeFileSync(lock, `${pid}\n`);
    expect((await job('job-d')).exitCode).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });

  it('adds lines with the CRLF endings of a CRLF file', async () => {
    const root = copy();
    const crlf = ['config.yml', 'mcc/conf-dev.yml', 'mcc/conf-prod.yml', 'mcc/answers.yml'];
    for (const file of crlf) {
      writeFileSync(join(root, file), read(root, file).replaceAll('\n', '\r\n'));
    }
    expect((await add(root, 'cron', 'cleanup', '--stage', 'dev')).exitCode).toBe(0);
    expect((await add(root, 'stage', 'qa')).exitCode).toBe(0);
    for (const file of [...crlf, 'mcc/conf-qa.yml']) {
      const text = read(root, file);
      expect(text).toContain('\r\n');
      expect(text.replaceAll('\r\n', '')).not.toContain('\n');
    }
    expect(read(root, 'mcc/conf-dev.yml')).toContain('- name: cleanup\r\n');
    // The same add again finds it there.
    const unchanged = snapshot(root);
    const again = await add(root, 'cron', 'cleanup', '--stage', 'dev');
    expect(again.stdout).toContain('cron job cleanup is already there; nothing changed');
    expect(again.stdout).not.toContain('added');
    expect(snapshot(root)).toEqual(unchanged);
    // A re-run, as after a checkout that turned every line ending into CRLF, changes nothing.
    const before = snapshot(root);
    const rerun = await inProcess('create', [root, ...HOST]);
    expect(rerun.stderr).toBe('');
    expect(snapshot(root)).toEqual(before);
  });
});

describe('mcc check', () => {
  it('warns of a conf no stage uses, and flags names and STAGEs that disagree', async () => {
    const root = copy();
    writeFileSync(join(root, 'mcc/conf-old.yml'), read(root, 'mcc/conf-dev.yml'));
    const warned = await inProcess('mcc', ['check', root]);
    expect(warned.stdout).toContain('mcc/conf-old.yml: warning: no stage of config.yml uses it');
    expect(warned.exitCode).toBe(0);

    writeFileSync(
      join(root, 'mcc/conf-dev.yml'),
      read(root, 'mcc/conf-dev.yml').replace('STAGE: dev', 'STAGE: prod'),
    );
    writeFileSync(
      join(root, 'config.yml'),
      read(root, 'config.yml') +
        '  staging:\n    allow_branches: .*\n    auto_branches: "-"\n' +
        '    parameters: {handler: db-backup, conf: conf-prod.yml}\n',
    );
    const result = await inProcess('mcc', ['check', root]);
    expect(result.stdout).toContain(
      'mcc/conf-dev.yml: STAGE: "prod", but stage dev of config.yml deploys with it',
    );
    expect(result.stdout).toContain(
      `config.yml: deploy.staging: "staging" is a deployment stage's name, but this stage runs`,
    );
    expect(result.exitCode).toBe(1);
  });
});

describe('mcc in a folder inside the repository', () => {
  it('works on the repository, and says which', async () => {
    const root = copy();
    const inside = join(root, 'app');
    const added = await inProcess('mcc', ['add', 'cron', 'health-check', '--yes'], inside);
    expect(added.exitCode).toBe(0);
    expect(added.stdout.split('\n')[0]).toBe(`in ${root}`);
    expect(existsSync(join(root, 'mcc/cron/health_check.py'))).toBe(true);
    expect(existsSync(join(inside, 'mcc'))).toBe(false);

    const checked = await inProcess('mcc', ['check', inside]);
    expect(checked.stdout.split('\n')[0]).toBe(`in ${root}`);
    expect(checked.exitCode).toBe(0);
    const atRoot = await inProcess('mcc', ['check'], root);
    expect(atRoot.stdout).not.toContain('in /');
  });

  it('names the folder it started in when no folder above holds a pipeline', async () => {
    const elsewhere = join(tempDir('no-pipeline'), 'sub');
    mkdirSync(elsewhere);
    const result = await inProcess('mcc', ['add', 'cron', 'backup', '--yes', '-C', elsewhere]);
    expect(result.stderr).toBe(
      `error: no mcc_deploy.py in ${elsewhere}: this is not a repository with a pipeline; ` +
        'run npx create-mcc-pipeline there first\n',
    );
    expect(result.exitCode).toBe(1);
  });

  it('prints no colour codes from mcc add in CI without a terminal', async () => {
    const { FORCE_COLOR: _force, NO_COLOR: _no, ...env } = process.env;
    const result = await execa('node', [join(ROOT, 'bin/mcc.js'), 'add', 'cron', 'backup'], {
      cwd: copy(),
      env: { ...env, CI: 'true' },
      extendEnv: false,
      stdin: 'ignore',
      reject: false,
    });
    expect(result.stdout).toContain('exists');
    expect(result.stdout).not.toContain('\u001b[');
  });
});

describe('create-mcc-pipeline after mcc add', () => {
  it('given its last flags again, keeps the lists mcc add grew since', async () => {
    const flags = ['--services', 'notes-api', '--cron', 'backup', '--tenancy', 'multi'];
    const root = await generate(...flags, '--domains', 'a.example.com,z.example.com');
    const adds = [
      ['service', 'notes-worker'],
      ['cron', 'health-check'],
      ['domain', 'b.example.com'],
    ];
    for (const args of adds) expect((await add(root, ...args)).stderr).toBe('');
    const before = snapshot(root);
    // The same list in another order is the same list.
    const domains = ['--domains', 'z.example.com,a.example.com'];
    const rerun = await inProcess('create', [root, ...HOST, ...flags, ...domains]);
    expect(rerun.stderr).toBe('');
    expect(rerun.exitCode).toBe(0);
    expect(rerun.stdout).toContain(
      'note: --cron backup is what the last run was given; mcc add made it ' +
        'backup,health-check since, which is kept (edit mcc/answers.yml to change it)',
    );
    expect(snapshot(root)).toEqual(before);
    // A value the last run was not given is a change, and reaches every stage.
    const changed = await inProcess('create', [
      root,
      ...HOST,
      '--cron',
      'backup,cleanup',
      '--dry-run',
    ]);
    expect(changed.stdout).toContain('-  - name: health-check');
  });

  it.each([['sqlite'], ['postgres']])(
    'run again with its first flags, on %s, finds nothing to change',
    async (database) => {
      const flags = ['--database', database];
      const root = await generate(...flags);
      const adds = [
        ['stage', 'staging', '--remote-host', 'staging.example.com'],
        ['service', 'notes-worker', '--stage', 'dev'],
      ];
      for (const args of adds) expect((await add(root, ...args)).stderr).toBe('');
      const before = snapshot(root);
      const rerun = await inProcess('create', [root, ...HOST, ...flags]);
      expect(rerun.stderr).toBe('');
      expect(rerun.exitCode).toBe(0);
      expect(rerun.stdout).not.toMatch(/^(created|updated)/m);
      expect(snapshot(root)).toEqual(before);
    },
  );

  it('would write every file as it is', async () => {
    const root = await generate('--tenancy', 'multi', '--domains', 'a.example.com,b.example.com');
    const adds = [
      ['cron', 'reindex', '--schedule', '0 2 * * *'],
      ['cron', 'cleanup', '--stage', 'prod'],
      ['domain', 'c.example.com', '--stage', 'prod'],
      ['domain', 'd.example.com'],
      ['service', 'notes-worker'],
      ['service', 'notes-mailer', '--stage', 'dev'],
      ['migration', 'add tags'],
    ];
    for (const args of adds) {
      const result = await add(root, ...args);
      expect(result.stderr).toBe('');
    }
    expect(parse(read(root, 'mcc/conf-dev.yml')).DOMAINS).not.toContain('c.example.com');
    expect(parse(read(root, 'mcc/conf-prod.yml')).SERVICES).toEqual(['notes-api', 'notes-worker']);

    // What create-mcc-pipeline --yes does on a re-run, up to writing.
    const previous = readAnswers(root)!;
    const raw = await ask(toRaw(previous), detect(root), null);
    const answers = carryAddedDetails(toAnswers(raw), previous, new Set());
    const files = await planFiles('init', initGenerator, {
      ...answers,
      schema: null,
      gitignore: read(root, '.gitignore'),
    });
    const changed = compare(root, files)
      .filter((c) => c.outcome !== 'unchanged' && !c.file.path.startsWith('mcc/migrations/'))
      .map((c) => c.file.path);
    expect(changed).toEqual([]);
  }, 60_000);
});
