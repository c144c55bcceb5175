/**
 * The deploy's cron block against the real crontab of this user. Alone in its
 * file because the crontab is shared: it is saved first and put back after.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { tempDir, generatedExample } from './helpers.js';

async function readCrontab(): Promise<string | null> {
  const listed = await execa('crontab', ['-l'], { reject: false });
  return listed.exitCode === 0 ? listed.stdout : null;
}

const DRIVER = `
import sys
import mcc_deploy

stage = mcc_deploy.load_stage(sys.argv[1])
stage.conf["REMOTE_BASE"] = sys.argv[2]
mcc_deploy.install_cron_jobs(stage)
`;

describe('the cron block in the real crontab', () => {
  let saved: string | null;
  let repo: string;
  const base = tempDir('cron-base');

  beforeAll(async () => {
    saved = await readCrontab();
    repo = await generatedExample(['--cron', 'backup,cleanup']);
    writeFileSync(join(repo, 'cron_driver.py'), DRIVER);
  });

  afterAll(async () => {
    if (saved === null) await execa('crontab', ['-r'], { reject: false });
    else await execa('crontab', ['-'], { input: `${saved}\n` });
  });

  const install = (folder: string) =>
    execa(
      'uv',
      ['run', '--no-project', '--with', 'typer', '--with', 'pyyaml'].concat([
        'python',
        'cron_driver.py',
        'prod',
        folder,
      ]),
      { cwd: repo, env: { UV_NATIVE_TLS: '1' }, reject: false, all: true },
    );

  it('owns one delimited block that repeated deploys replace, keeping other lines', async () => {
    await execa('crontab', ['-'], { input: '# a line of the user\n0 1 * * * true\n' });
    for (let i = 0; i < 3; i += 1) {
      const result = await install(base);
      expect(result.all).toContain('cron block: 2 jobs');
    }
    const crontab = (await readCrontab())!;
    expect(crontab.match(/# >>> mcc notes-api prod >>>/g)).toHaveLength(1);
    expect(crontab.match(/mcc\.cron\.backup/g)).toHaveLength(1);
    expect(crontab.match(/mcc\.cron\.cleanup/g)).toHaveLength(1);
    expect(crontab).toContain('# a line of the user\n0 1 * * * true\n');
    expect(crontab).toContain(
      `15 3 * * * cd ${base}/current-api && .venv/bin/python -m mcc.cron.backup` +
        ` >> ${base}/logs/cron-backup.log 2>&1`,
    );
  });

  it('escapes a % in a path, which cron would read as a newline', async () => {
    const folder = join(tempDir('cron-percent'), '50%off');
    expect((await install(folder)).all).toContain('cron block: 2 jobs');
    const escaped = folder.replace('%', '\\%');
    expect(await readCrontab()).toContain(`15 3 * * * cd ${escaped}/current-api && `);
  });
});
