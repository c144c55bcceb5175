/**
 * mcc add on generated example repositories: what each command writes, that
 * hand-edited YAML keeps every byte it does not add, that a second run
 * changes nothing, and the errors for unknown names and missing pipelines.
 */
import {
  chmodSync,
  cpSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { HANDLER_STAGES } from '../../src/choices.js';
import { renderTemplate } from '../../src/render.js';
import {
  cli,
  exampleCopy,
  snapshot,
  tempDir,
  generatedExample,
  expectRuffClean,
  expectRuffDefaultsClean,
} from '../helpers.js';

async function generated(...flags: string[]): Promise<string> {
  return generatedExample(flags);
}

async function add(repo: string, ...args: string[]) {
  return cli('mcc', ['add', ...args, '--yes'], repo);
}

const read = (repo: string, path: string) => readFileSync(join(repo, path), 'utf8');

const HAND_CONFIG = `# Our stages. Ask Dana before touching prod.
deploy:
  prod:   # the real one
    allow_branches: '^main$'
    auto_branches: "-"
    parameters: {conf: conf-prod.yml, keep_builds: 5}

  # dev is for everyone
  dev:
    allow_branches: .*
    auto_branches: ^dev$
    parameters:
      conf: conf-dev.yml   # see mcc/
      keep_builds: 3
# end of the stages
`;

let single: string;

beforeAll(async () => {
  single = await generated();
}, 60_000);

describe('mcc add', () => {
  it('adds a stage to a hand-commented config.yml, changing no other byte', async () => {
    writeFileSync(join(single, 'config.yml'), HAND_CONFIG);
    const result = await add(single, 'stage', 'db-backup');
    expect(result.stderr).toBe('');
    // The stages are separated by blank lines, so the new one is too.
    const entry =
      '\n' +
      '  db-backup:\n' +
      '    allow_branches: ^main$\n' +
      '    auto_branches: "-"\n' +
      '    parameters:\n' +
      '      handler: db-backup\n' +
      '      conf: conf-prod.yml\n';
    const at = HAND_CONFIG.indexOf('# end of the stages');
    expect(read(single, 'config.yml')).toBe(
      HAND_CONFIG.slice(0, at) + entry + HAND_CONFIG.slice(at),
    );
    expect(read(single, 'mcc/stages/db_backup.py')).toContain('def run(stage: Stage, deploy');
  });

  it('adds a cron job to a hand-commented conf without touching its other lines', async () => {
    const path = 'mcc/conf-dev.yml';
    const before = read(single, path).replace('CRON_JOBS:', 'CRON_JOBS:   # nightly work');
    writeFileSync(join(single, path), before);
    const result = await add(
      single,
      'cron',
      'reindex',
      '--schedule',
      '0 2 * * *',
      '--stage',
      'dev',
    );
    expect(result.stderr).toBe('');
    const added = '  - name: reindex\n    schedule: 0 2 * * *\n';
    expect(read(single, path)).toBe(before + added);
    expect(parse(read(single, 'mcc/conf-prod.yml')).CRON_JOBS).toHaveLength(1);
    expect(read(single, 'mcc/cron/reindex.py')).toContain('NAME = "reindex"');
  });

  it('writes the next migration, each known stage, a service and a deployment stage', async () => {
    expect((await add(single, 'migration', 'Add note tags')).stdout).toContain(
      'created   mcc/migrations/0002_add_note_tags.sql',
    );
    for (const stage of Object.keys(HANDLER_STAGES)) {
      expect((await add(single, 'stage', stage)).exitCode).toBe(0);
    }
    const config = parse(read(single, 'config.yml')).deploy;
    expect(config['clone-prod-to-dev']).toEqual({
      allow_branches: '.*',
      auto_branches: '-',
      parameters: {
        handler: 'clone-prod-to-dev',
        source_conf: 'conf-prod.yml',
        conf: 'conf-dev.yml',
      },
    });
    expect(config['reset-dev'].parameters).toEqual({ handler: 'reset-dev', conf: 'conf-dev.yml' });

    expect((await add(single, 'service', 'notes-worker')).exitCode).toBe(0);
    expect(read(single, 'mcc/conf-prod.yml')).toContain('SERVICES: [notes-api, notes-worker]\n');
    expect(parse(read(single, 'mcc/answers.yml')).services).toEqual(['notes-api', 'notes-worker']);

    // A conf kept private: the stage made from it is private too.
    for (const conf of ['conf-prod.yml', 'conf-dev.yml'])
      chmodSync(join(single, 'mcc', conf), 0o600);
    expect(
      (await add(single, 'stage', 'staging', '--remote-host', 'staging.example.com')).exitCode,
    ).toBe(0);
    expect(statSync(join(single, 'mcc/conf-staging.yml')).mode & 0o777).toBe(0o600);
    expect(parse(read(single, 'mcc/conf-staging.yml'))).toMatchObject({
      STAGE: 'staging',
      REMOTE_HOST: 'staging.example.com',
      REMOTE_BASE: '/srv/notes-api-staging',
    });
    expect(read(single, 'mcc/conf-staging.yml')).toMatch(/^# The staging stage of notes-api/);
    const stages = parse(read(single, 'config.yml')).deploy;
    expect(stages.staging.auto_branches).toBe('^main$');
    expect(stages['rollback-staging']).toEqual({
      allow_branches: stages.staging.allow_branches,
      auto_branches: '-',
      parameters: { action: 'rollback', conf: 'conf-staging.yml' },
    });
  });

  it('changes nothing the second time and says it is already there', async () => {
    const before = snapshot(single);
    const runs = [
      ['stage', 'db-backup'],
      ['stage', 'clone-prod-to-dev'],
      ['stage', 'staging'],
      ['cron', 'backup'],
      ['cron', 'reindex', '--schedule', '0 2 * * *', '--stage', 'dev'],
      ['migration', 'add_note_tags'],
      ['service', 'notes-worker'],
    ];
    for (const args of runs) {
      const result = await add(single, ...args);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(/is already there; nothing changed$/);
    }
    expect(snapshot(single)).toEqual(before);
    await expectRuffDefaultsClean(single);
  });

  it('suggests the nearest name, and writes nothing on a bad one', async () => {
    const before = snapshot(single);
    const cases: [string[], RegExp][] = [
      [['stage', 'db-bakup'], /^error: stage "db-bakup": did you mean db-backup\?/],
      [['stage', 'prodd'], /^error: stage "prodd": did you mean prod\?/],
      [['cron', 'bakup'], /^error: cron job "bakup": did you mean backup\?/],
      [['stage', 'db-backup-dev', '--deployment', '--from', 'prd'], /did you mean prod\?/],
      [
        ['cron', 'cleanup', '--stage', 'dve'],
        /^error: --stage "dve": not a stage of config.yml; did you mean dev\?/,
      ],
      [
        ['cron', 'backup', '--schedule', '99 * * * *'],
        /^error: --schedule "99 \* \* \* \*": expected a minute from 0 to 59 as field 1 \(\*, a/,
      ],
      [['cron', 'backup', '--schedule', '0 25 * * *'], /an hour from 0 to 23 .*, not "25"$/m],
      [['cron', 'backup', '--schedule', '0 3 * *'], /expected five cron fields/],
      [['service', 'bad unit'], /^error: service "bad unit": expected a systemd unit name/],
      [['domain', 'x.example.com'], /this pipeline is single-tenant/],
    ];
    for (const [args, message] of cases) {
      const result = await add(single, ...args);
      expect(result.stderr).toMatch(message);
      expect(result.exitCode).toBe(2);
    }
    expect(snapshot(single)).toEqual(before);
  });

  it('takes a known name with a number or dashed part after it as a name of its own', async () => {
    for (const name of ['dev2', 'prod-eu', 'db-backup-2']) {
      const result = await add(single, 'stage', name, '--dry-run');
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain(`would create                  mcc/conf-${name}.yml`);
    }
  });

  it('prints the diff with --dry-run and writes nothing', async () => {
    const before = snapshot(single);
    const result = await cli('mcc', ['add', 'cron', 'health-check', '--dry-run'], single);
    expect(result.stdout).toContain('+  - name: health-check');
    expect(result.stdout).toMatch(/^would create +mcc\/cron\/health_check.py$/m);
    expect(snapshot(single)).toEqual(before);
  });

  it('says what to run first outside a repository with a pipeline', async () => {
    const result = await add(exampleCopy(), 'cron', 'backup');
    expect(result.stderr).toMatch(/^error: no mcc_deploy.py in .*: this is not a repository/);
    expect(result.stderr).toMatch(/with a pipeline; run npx create-mcc-pipeline there first$/);
    expect(result.exitCode).toBe(1);
  });

  it('works from config.yml and the confs alone when mcc/answers.yml is missing', async () => {
    const repo = await generated('--tenancy', 'multi', '--domains', 'a.example.com');
    rmSync(join(repo, 'mcc', 'answers.yml'));
    expect((await add(repo, 'domain', 'B.example.com')).stderr).toBe('');
    expect(parse(read(repo, 'mcc/conf-prod.yml')).DOMAINS).toEqual([
      'a.example.com',
      'b.example.com',
    ]);
    expect((await add(repo, 'stage', 'clone-prod-to-dev')).stderr).toBe('');
    expect(read(repo, 'mcc/stages/clone_prod_to_dev.py')).toContain('not a domain of the source');
    expect((await add(repo, 'service', 'notes-worker', '--stage', 'prod')).stderr).toBe('');
    expect(parse(read(repo, 'mcc/conf-dev.yml')).SERVICE_NAME).toBe('notes-api');
    expect((await add(repo, 'domain', 'b.example.com')).stdout).toContain('already there');
    expect(snapshot(repo)['mcc/answers.yml']).toBeUndefined();
  }, 60_000);

  it('documents each command with an example', async () => {
    for (const command of ['stage', 'cron', 'migration', 'service', 'domain']) {
      const help = await cli('mcc', ['add', command, '--help'], single);
      expect(help.stdout).toContain('--dry-run');
      expect(help.stdout).toContain(`$ mcc add ${command}`);
    }
  });

  it('writes handlers and cron jobs that pass ruff, for each tenancy and database', async () => {
    const root = tempDir('handlers');
    const kinds = [false, true].flatMap((multiTenant) =>
      [false, true].map((postgres) => ({ multiTenant, postgres })),
    );
    for (const { multiTenant, postgres } of kinds) {
      const folder = join(
        root,
        `${multiTenant ? 'multi' : 'single'}-${postgres ? 'pg' : 'sqlite'}`,
      );
      mkdirSync(folder, { recursive: true });
      for (const stage of Object.keys(HANDLER_STAGES)) {
        const module = stage.replace(/-/g, '_');
        const context = { project: 'notes-api', multiTenant, postgres };
        writeFileSync(
          join(folder, `${module}.py`),
          renderTemplate(`add/stages/${module}.py.hbs`, context),
        );
      }
      const job = renderTemplate('add/cron/job.py.hbs', {
        project: 'p',
        name: 'reindex',
        module: 'reindex',
      });
      writeFileSync(join(folder, 'reindex.py'), job);
    }
    await expectRuffClean(root);
  });
});

describe('create-mcc-pipeline after mcc add', () => {
  let grown: string;

  beforeAll(async () => {
    grown = await generated();
    const adds = [
      ...Object.keys(HANDLER_STAGES).map((stage) => ['stage', stage]),
      ['stage', 'staging', '--remote-host', 'staging.example.com', '--allow-branches', '^rc/'],
      ['cron', 'reindex', '--schedule', '0 2 * * *', '--stage', 'dev'],
      ['service', 'notes-worker'],
      ['migration', 'add tags'],
    ];
    for (const args of adds) expect((await add(grown, ...args)).stderr).toBe('');
  }, 60_000);

  it('leaves a re-run nothing to change', async () => {
    const before = snapshot(grown);
    const rerun = await cli('create', ['--yes'], grown);
    expect(rerun.stderr).toBe('');
    expect(rerun.exitCode).toBe(0);
    expect(rerun.stdout).toMatch(/unchanged +config\.yml/);
    expect(rerun.stdout).not.toMatch(/created|updated|differs/);
    expect(snapshot(grown)).toEqual(before);
    // The deployment stage added after the handler stages sits before them.
    const order = Object.keys(parse(read(grown, 'config.yml')).deploy);
    expect(order.indexOf('rollback-staging')).toBeLessThan(order.indexOf('clone-prod-to-dev'));
    expect(
      parse(read(grown, 'mcc/answers.yml')).handlers.map((h: { name: string }) => h.name),
    ).toEqual(Object.keys(HANDLER_STAGES));
  });

  it('refuses a re-run that takes away the conf a handler stage works on', async () => {
    const before = snapshot(grown);
    const rerun = await cli('create', ['--yes', '--stages', 'prod,staging'], grown);
    expect(rerun.exitCode).toBe(2);
    expect(rerun.stderr).toBe(
      'error: stage clone-prod-to-dev (from mcc add stage): it works on mcc/conf-dev.yml, ' +
        'which no stage has now; keep what it needs, or take it out of config.yml and the ' +
        'handlers of mcc/answers.yml',
    );
    expect(snapshot(grown)).toEqual(before);
  });

  it('carries a stage’s own cron jobs through a re-run that changes --cron', async () => {
    const copy = tempDir('cron-rerun');
    cpSync(grown, copy, { recursive: true });
    const rerun = await cli('create', ['--yes', '--force', '--cron', 'health-check'], copy);
    expect(rerun.stderr).toBe('');
    expect(rerun.exitCode).toBe(0);
    const jobs = (stage: string) =>
      parse(read(copy, `mcc/conf-${stage}.yml`)).CRON_JOBS.map((job: { name: string }) => job.name);
    expect(jobs('prod')).toEqual(['health-check']);
    expect(jobs('dev')).toEqual(['health-check', 'reindex']);
    expect(parse(read(copy, 'mcc/answers.yml')).cron).toEqual(['health-check']);
  });
});
