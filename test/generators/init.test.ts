import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { ignoreOutput, initGenerator } from '../../generators/init.js';
import { detect } from '../../src/detect.js';
import { planFiles } from '../../src/engine.js';
import { ask, toAnswers, type Raw } from '../../src/questions.js';
import { EXAMPLE, expectRuffClean, expectRuffDefaultsClean, tempDir } from '../helpers.js';

async function generateInto(folder: string, flags: Raw) {
  const raw = await ask({ remoteHost: 'app.example.com', ...flags }, detect(EXAMPLE), null);
  const answers = toAnswers(raw);
  const files = await planFiles('init', initGenerator, {
    ...answers,
    schema: null,
    gitignore: null,
  });
  for (const file of files) {
    mkdirSync(dirname(join(folder, file.path)), { recursive: true });
    writeFileSync(join(folder, file.path), file.content);
  }
  return files.map((file) => file.path);
}

// PostgreSQL is there twice: with SQL migrations and with alembic.
const DATABASES = ['sqlite', 'postgres', 'postgres+alembic', 'none'];
const matrix: Raw[] = [];
for (const tenancy of ['single', 'multi']) {
  for (const choice of DATABASES) {
    const [database, migrations] = choice.split('+');
    for (const services of ['notes-api', 'notes-api,notes-worker']) {
      for (const frontend of ['none', 'angular']) {
        for (const cron of ['none', 'health-check', 'backup,health-check,cleanup']) {
          if (database === 'none' && cron.includes('backup')) continue;
          matrix.push({
            tenancy,
            database,
            ...(migrations ? { migrations } : {}),
            services,
            frontend,
            cron,
            ...(tenancy === 'multi' ? { domains: 'a.example.com,b.example.com' } : {}),
          });
        }
      }
    }
  }
}

describe('the init generator', () => {
  it(`writes Python that passes ruff for all ${matrix.length} sets of answers`, async () => {
    const root = tempDir('matrix');
    const folders = [];
    for (const [index, flags] of matrix.entries()) {
      const folder = join(root, `case-${index}`);
      await generateInto(folder, flags);
      folders.push(folder);
    }
    await expectRuffClean(root);
    for (const folder of folders) await expectRuffDefaultsClean(folder);
  });

  it('writes no code for options that were not chosen', async () => {
    const folder = tempDir('lean');
    const paths = await generateInto(folder, { database: 'none', cron: 'none', frontend: 'none' });
    expect(paths).not.toContain('mcc_db.py');
    expect(paths.some((path) => path.startsWith('mcc/cron/'))).toBe(false);
    const deploy = readFileSync(join(folder, 'mcc_deploy.py'), 'utf8');
    expect(deploy).not.toMatch(/crontab|mcc_db|current-ui|migrat/);
    const build = readFileSync(join(folder, 'mcc_build.py'), 'utf8');
    expect(build).not.toMatch(/FRONTEND|npm/);
  });

  it('writes no first migration without a schema: the deploy refuses comments only', async () => {
    const folder = tempDir('no-schema');
    const paths = await generateInto(folder, { database: 'sqlite' });
    expect(paths.some((path) => path.startsWith('mcc/migrations/'))).toBe(false);
  });

  it('writes only the chosen database into the deploy', async () => {
    const postgres = tempDir('postgres');
    await generateInto(postgres, { database: 'postgres', cron: 'backup' });
    const deploy = readFileSync(join(postgres, 'mcc_deploy.py'), 'utf8');
    expect(deploy).toContain('MCC_ENV_FILE');
    expect(deploy).not.toMatch(/DATA_FOLDER|sqlite/);
    const db = readFileSync(join(postgres, 'mcc_db.py'), 'utf8');
    expect(db).not.toMatch(/sqlite|alembic/);
    const conf = readFileSync(join(postgres, 'mcc/conf-prod.yml'), 'utf8');
    expect(conf).toContain('# ENV_FILE: /etc/prod-notes-api.env');
    expect(conf).not.toMatch(/DATABASE_URL:|PASSWORD/);
    const sqlite = tempDir('sqlite');
    await generateInto(sqlite, { database: 'sqlite', cron: 'backup' });
    expect(readFileSync(join(sqlite, 'mcc_deploy.py'), 'utf8')).not.toContain('ENV_FILE');
  });

  it('writes a conf per stage, multi-tenant domains and the chosen cron jobs', async () => {
    const folder = tempDir('multi');
    await generateInto(folder, {
      tenancy: 'multi',
      domains: 'a.example.com,b.example.com',
      services: 'notes-api,notes-worker',
      cron: 'backup,cleanup',
      stages: 'prod,staging',
      remoteBase: '/srv/notes-{stage}',
    });
    const config = parse(readFileSync(join(folder, 'config.yml'), 'utf8'));
    expect(Object.keys(config.deploy)).toEqual([
      'prod',
      'rollback-prod',
      'staging',
      'rollback-staging',
    ]);
    expect(config.deploy.prod).toEqual({
      allow_branches: '^main$',
      auto_branches: '-',
      parameters: { conf: 'conf-prod.yml', keep_builds: 10 },
    });
    expect(config.deploy['rollback-prod']).toEqual({
      allow_branches: '^main$',
      auto_branches: '-',
      parameters: { action: 'rollback', conf: 'conf-prod.yml' },
    });
    const conf = parse(readFileSync(join(folder, 'mcc/conf-staging.yml'), 'utf8'));
    expect(conf).toMatchObject({
      STAGE: 'staging',
      REMOTE_BASE: '/srv/notes-staging',
      DOMAINS: ['a.example.com', 'b.example.com'],
      SERVICES: ['notes-api', 'notes-worker'],
      BACKUP_PATH: '{{REMOTE_BASE}}/backups',
      CRON_JOBS: [
        { name: 'backup', schedule: '15 3 * * *' },
        { name: 'cleanup', schedule: '30 4 * * 0' },
      ],
    });
    expect(conf.SERVICE_NAME).toBeUndefined();
    expect(existsSync(join(folder, 'mcc/cron/backup.py'))).toBe(true);
    expect(existsSync(join(folder, 'mcc/cron/health_check.py'))).toBe(false);
  });
});

describe('ignoreOutput', () => {
  it('adds the output folder to .gitignore once, keeping what is there', () => {
    expect(ignoreOutput(null)).toBe('output/\n');
    expect(ignoreOutput('.venv/\n')).toBe('.venv/\noutput/\n');
    expect(ignoreOutput('.venv/')).toBe('.venv/\noutput/\n');
    expect(ignoreOutput('.venv/\noutput/\n')).toBeNull();
    expect(ignoreOutput('/output\n')).toBeNull();
  });
});
