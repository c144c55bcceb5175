/**
 * What a stage smoke-tests: prod its public sites, any other stage its own API on the server,
 * never prod's sites through the domains it shares with prod. A multi-tenant dev deploy with
 * the conf as generated (not as `mcc try` rewrites it) and its health-check cron job, run as
 * cron runs it, against the live app.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { cli } from '../helpers.js';
import {
  closeSandbox,
  current,
  deploy,
  expectSuccess,
  makeSandbox,
  upload,
  type Sandbox,
} from './sandbox.js';

const DOMAINS = ['a.example.com', 'b.example.com'];
let sandbox: Sandbox;
let port: number;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function conf(stage: string): Record<string, unknown> {
  return parse(readFileSync(join(sandbox.repo, 'mcc', `conf-${stage}.yml`), 'utf8'));
}

/** The health-check line of the sandbox crontab, run by sh as cron would run it. */
async function runHealthCheckJob() {
  const crontab = readFileSync(join(sandbox.state, 'crontab'), 'utf8');
  const line = crontab.split('\n').find((entry) => entry.includes('mcc.cron.health_check'));
  expect(line).toBeDefined();
  const command = line!.split(' ').slice(5).join(' ');
  const run = await execa('sh', ['-c', command], { reject: false });
  const log = readFileSync(join(sandbox.base, 'logs', 'cron-health-check.log'), 'utf8');
  return { exitCode: run.exitCode, log };
}

beforeAll(async () => {
  port = await freePort();
  const flags = ['--tenancy', 'multi', '--domains', DOMAINS.join(','), '--api-port', String(port)];
  sandbox = await makeSandbox([...flags, '--cron', 'backup,health-check'], {
    tryArgs: ['--port', String(port)],
  });
});

afterAll(async () => {
  await closeSandbox(sandbox);
});

describe('the smoke URLs of a stage', () => {
  it('are the public sites for prod only, and the API on the server for dev', () => {
    expect(conf('prod').SMOKE_URLS).toEqual(['https://{domain}/', 'https://{domain}/api/health']);
    expect(conf('dev').DOMAINS).toEqual(DOMAINS);
    expect(conf('dev').SMOKE_URLS).toEqual([`http://127.0.0.1:${port}/api/health`]);
    expect(readFileSync(join(sandbox.repo, 'mcc', 'conf-dev.yml'), 'utf8')).toContain(
      "# Add this stage's public URLs; the one below is its API, on the server.\nSMOKE_URLS:",
    );
  });

  it('are what a dev deploy and its health-check cron job check', async () => {
    const folder = upload(sandbox, { SMOKE_URLS: conf('dev').SMOKE_URLS });
    const result = await deploy(folder);
    expectSuccess(result);
    expect(result.stdout).toContain('  1 URL answered 200');
    const release = join(sandbox.base, 'api', current(sandbox.base));
    const settings = JSON.parse(readFileSync(join(release, 'mcc', 'settings.json'), 'utf8'));
    expect(settings.smoke_urls).toEqual([`http://127.0.0.1:${port}/api/health`]);

    expect(await runHealthCheckJob()).toEqual({ exitCode: 0, log: '' });
    await closeSandbox(sandbox);
    const down = await runHealthCheckJob();
    expect(down.exitCode).toBe(1);
    expect(down.log).toMatch(
      new RegExp(`^\\S+Z http://127\\.0\\.0\\.1:${port}/api/health: .*refused\\n$`),
    );
  });

  it('of a stage added from prod are its own API, not prod’s sites', async () => {
    const added = await cli(
      'mcc',
      ['add', 'stage', 'staging', '--from', 'prod', '--yes'],
      sandbox.repo,
    );
    expect(added.stderr).toBe('');
    expect(conf('staging').SMOKE_URLS).toEqual([`http://127.0.0.1:${port}/api/health`]);
    const text = readFileSync(join(sandbox.repo, 'mcc', 'conf-staging.yml'), 'utf8');
    expect(text).toContain(
      '# Each URL must answer 200 within SMOKE_TIMEOUT seconds, or the deploy rolls back.\n' +
        "# Add this stage's public URLs; the one below is its API, on the server.\n" +
        `SMOKE_URLS: ["http://127.0.0.1:${port}/api/health"]\n`,
    );
  });
});
