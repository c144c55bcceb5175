/**
 * Bad input, command by command: each case must fail with one line that
 * quotes the value, the right exit code, and the repository untouched.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { execa } from 'execa';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { exampleCopy, snapshot, tempDir } from './helpers.js';
import { inProcess } from './in-process.js';

interface BadInput {
  args: string[];
  /** What the one line must contain: the value, as the user typed it. */
  quotes: string;
}

const HOST = ['--yes', '--remote-host', 'app.example.com'];

const bad = (args: string[], value: string, quotes = JSON.stringify(value)): BadInput => ({
  args,
  quotes,
});

const CREATE_CASES: BadInput[] = [
  bad([...HOST, '--stages', 'Prod'], 'Prod'),
  bad([...HOST, '--stages', 'prod,prod'], 'prod,prod'),
  bad([...HOST, '--stages', 'prod,,dev'], 'prod,,dev'),
  bad([...HOST, '--stages', '1prod'], '1prod'),
  bad([...HOST, '--stages', 'prod dev'], 'prod dev'),
  bad([...HOST, '--tenancy', 'multi', '--domains', 'a..b.com'], 'a..b.com'),
  bad([...HOST, '--tenancy', 'multi', '--domains', 'shop_1.example.com'], 'shop_1.example.com'),
  bad([...HOST, '--tenancy', 'multi', '--domains', 'shop example.com'], 'shop example.com'),
  bad([...HOST, '--tenancy', 'multi', '--domains', 'a.com,a.com'], 'a.com,a.com'),
  bad([...HOST, '--tenancy', 'multi', '--domains', '.example.com'], '.example.com'),
  bad([...HOST, '--tenancy', 'multi', '--domains', 'a.com,-b.com'], 'a.com,-b.com'),
  bad([...HOST, '--services', 'api,api'], 'api,api'),
  bad([...HOST, '--services', 'my api'], 'my api'),
  bad([...HOST, '--services', 'worker@'], 'worker@'),
  bad([...HOST, '--services', 'api;reboot'], 'api;reboot'),
  bad([...HOST, '--remote-user', 'Root'], 'Root'),
  bad([...HOST, '--dir-user', 'www data'], 'www data'),
  bad([...HOST, '--dir-group', '1group'], '1group'),
  bad([...HOST, '--remote-base', 'srv/app'], 'srv/app'),
  bad([...HOST, '--remote-base', '/srv/../etc'], '/srv/../etc'),
  bad([...HOST, '--remote-base', '/'], '/'),
  bad([...HOST, '--remote-base', '/srv/my app'], '/srv/my app'),
  bad([...HOST, '--keep-builds', '0'], '0'),
  bad([...HOST, '--keep-builds=-3'], '-3'),
  bad([...HOST, '--keep-builds', '2.5'], '2.5'),
  bad([...HOST, '--keep-builds', 'ten'], 'ten'),
  bad([...HOST, '--database', 'mysql'], 'mysql'),
  bad([...HOST, '--tenancy', 'many'], 'many'),
  bad([...HOST, '--frontend', 'react'], 'react'),
  bad([...HOST, '--migrations', 'flyway'], 'flyway'),
  bad([...HOST, '--cron', 'backup,nightly'], 'backup,nightly'),
  bad([...HOST, '--cron', 'backup,backup'], 'backup,backup'),
  bad([...HOST, '--cron', 'none,backup'], 'none,backup'),
  bad([...HOST, '--database', 'none', '--cron', 'backup'], 'backup'),
  bad([...HOST, '--api-port', '70000'], '70000'),
  bad([...HOST, '--health-path', 'health'], 'health'),
  bad([...HOST, '--app-module', 'app.main'], 'app.main'),
  bad(['--yes', '--remote-host', 'app_server.example.com'], 'app_server.example.com'),
  bad(['--yes', '--remote-host', 'bad host'], 'bad host'),
  bad(['--yes', '--remote-host', '300.1.1.1'], '300.1.1.1'),
  bad([...HOST, '--test-command', 'pytest && rm -rf /'], 'pytest && rm -rf /'),
  bad([...HOST, '--test-command', 'pytest $HOME'], 'pytest $HOME'),
  bad([...HOST, '--backend', '../other'], '../other'),
  bad([...HOST, '--project', 'my project'], 'my project'),
  bad([...HOST, '--frontend', 'npm', '--frontend-folder', '/abs/ui'], '/abs/ui'),
  bad([...HOST, '--stages', 'prod,rollback-prod'], 'prod,rollback-prod'),
  bad([...HOST, '--stages', 'prod,db-backup'], 'prod,db-backup'),
  bad(
    [...HOST, '--tenancy', 'multi', '--domains', 'A.example.com,a.example.com'],
    'A.example.com,a.example.com',
    '"A.example.com" and "a.example.com" are the same: list it once',
  ),
  bad([...HOST, '--domains', 'a.example.com'], 'a.example.com'),
  bad([...HOST, '--database', 'none', '--cron', 'none', '--migrations', 'alembic'], 'alembic'),
  bad([...HOST, '--frontend-folder', 'web'], 'web'),
  bad([...HOST, '--services', 'worker@.service'], 'worker@.service'),
  bad([...HOST, '--test-command', 'pytest "unclosed'], 'pytest "unclosed'),
  bad([...HOST, '--health-path', '/api/../x'], '/api/../x'),
  bad(
    [...HOST, '--stages', 'prod', '--stages', 'dev'],
    'dev',
    '--stages "dev": --stages is given twice; give it once',
  ),
  bad([...HOST, '--services', 'api,api.service'], 'api,api.service'),
  bad([...HOST, '--keep-builds', '99999999999999999999'], '99999999999999999999'),
  bad([...HOST, '--remote-base', '/srv/notes'], '/srv/notes'),
  bad([...HOST, '--backend', 'nope'], 'nope'),
  bad([...HOST, '--frontend', 'npm', '--frontend-folder', 'web'], 'web'),
  bad([...HOST, '--database', 'postgres', '--migrations', 'alembic'], 'alembic'),
  bad([...HOST, '--databse', 'sqlite'], '--databse', "'--databse'"),
  bad([...HOST, '--stages'], '--stages', "'--stages <value>'"),
];

function expectOneLine(stderr: string, quotes: string) {
  expect(stderr).toContain(quotes);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^error: /);
}

let repo: string;
let before: Record<string, string>;

beforeAll(async () => {
  repo = exampleCopy();
  const result = await inProcess('create', [repo, ...HOST, '--stages', 'prod,dev']);
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  before = snapshot(repo);
});

describe('create-mcc-pipeline refuses bad flags', () => {
  it.each(CREATE_CASES.map((c) => [c.args.slice(3).join(' ') || c.args.join(' '), c] as const))(
    '%s',
    async (_name, { args, quotes }) => {
      const result = await inProcess('create', [repo, ...args]);
      expectOneLine(result.stderr, quotes);
      expect(result.exitCode).toBe(2);
      expect(snapshot(repo)).toEqual(before);
    },
  );

  it('refuses a directory that does not exist, writing nothing', async () => {
    const parent = tempDir('parent');
    const result = await inProcess('create', [join(parent, 'nowhere'), ...HOST]);
    expectOneLine(result.stderr, 'nowhere"');
    expect(result.exitCode).toBe(2);
    expect(snapshot(parent)).toEqual({});
  });

  it('refuses bad flags in a repository without a pipeline too, writing nothing', async () => {
    const fresh = exampleCopy();
    const pristine = snapshot(fresh);
    const result = await inProcess('create', [fresh, ...HOST, '--keep-builds', '0']);
    expectOneLine(result.stderr, '"0"');
    expect(result.exitCode).toBe(2);
    expect(snapshot(fresh)).toEqual(pristine);
  });
});

describe('create-mcc-pipeline refuses a broken repository in one line', () => {
  it('names a broken answers file and a folder where a file goes, writing nothing', async () => {
    const broken = exampleCopy();
    mkdirSync(join(broken, 'mcc'));
    writeFileSync(join(broken, 'mcc', 'answers.yml'), 'project: [\n');
    const pristine = snapshot(broken);
    const yaml = await inProcess('create', [broken, ...HOST]);
    expectOneLine(yaml.stderr, 'mcc/answers.yml');
    expect(yaml.exitCode).toBe(1);
    writeFileSync(join(broken, 'mcc', 'answers.yml'), '- a\n');
    const list = await inProcess('create', [broken, ...HOST]);
    expectOneLine(list.stderr, 'mcc/answers.yml: expected a mapping');
    writeFileSync(join(broken, 'mcc', 'answers.yml'), 'project: [\n');
    expect(snapshot(broken)).toEqual(pristine);

    const folder = exampleCopy();
    mkdirSync(join(folder, 'mcc_db.py'));
    const result = await inProcess('create', [folder, ...HOST]);
    expectOneLine(result.stderr, 'mcc_db.py is a folder');
    expect(result.exitCode).toBe(1);
    expect(snapshot(folder)['mcc_build.py']).toBeUndefined();
  });
});

describe('mcc try refuses bad flags before building anything', () => {
  const outside = tempDir('not-empty');
  writeFileSync(join(outside, 'precious.txt'), 'keep me\n');
  const TRY_CASES: [string, string[], string][] = [
    ['a bad stage name', ['--stage', 'Prod'], '"Prod"'],
    ['a stage not in config.yml', ['--stage', 'qa'], '"qa"'],
    ['port 0', ['--stage', 'dev', '--port', '0'], '"0"'],
    ['a port out of range', ['--stage', 'dev', '--port', '99999'], '"99999"'],
    ['a port that is not a number', ['--stage', 'dev', '--port', 'http'], '"http"'],
    ['a sandbox inside the repository', ['--stage', 'dev', '--sandbox', 'sandbox'], '"sandbox"'],
    ['a sandbox that holds other files', ['--stage', 'dev', '--sandbox', outside], outside],
    [
      'a sandbox that is a file',
      ['--stage', 'dev', '--sandbox', join(outside, 'precious.txt')],
      'precious.txt"',
    ],
    ['no --stage', [], "'--stage <name>'"],
    ['an unknown flag', ['--stage', 'dev', '--sandbx', '/tmp/x'], "'--sandbx'"],
    [
      'a sandbox in a file system that takes no folders',
      ['--stage', 'dev', '--sandbox', '/proc/mcc-sandbox'],
      'no folder can be made in /proc',
    ],
  ];

  it.each(TRY_CASES)('%s', async (_name, args, quotes) => {
    const result = await inProcess('mcc', ['try', ...args], repo);
    expectOneLine(result.stderr, quotes);
    expect(result.exitCode).toBe(2);
    expect(snapshot(repo)).toEqual(before);
    expect(readFileSync(join(outside, 'precious.txt'), 'utf8')).toBe('keep me\n');
  });

  it('refuses a port another program listens on, and a link into the repository', async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = String((server.address() as AddressInfo).port);
    try {
      const busy = await inProcess('mcc', ['try', '--stage', 'dev', '--port', port], repo);
      expectOneLine(busy.stderr, `"${port}"`);
      expect(busy.exitCode).toBe(2);
    } finally {
      server.close();
    }
    mkdirSync(join(repo, 'inside'));
    const link = join(tempDir('link'), 'sandbox');
    symlinkSync(join(repo, 'inside'), link);
    const linked = await inProcess('mcc', ['try', '--stage', 'dev', '--sandbox', link], repo);
    expectOneLine(linked.stderr, 'expected a folder outside the repository');
    expect(linked.exitCode).toBe(2);
    rmSync(join(repo, 'inside'), { recursive: true });
    expect(snapshot(repo)).toEqual(before);
  });

  it('refuses a sandbox another mcc try is using', async () => {
    const sandbox = tempDir('busy');
    mkdirSync(join(sandbox, '.mcc-try'));
    const other = execa('sleep', ['30']);
    writeFileSync(join(sandbox, '.mcc-try', 'try.pid'), String(other.pid));
    try {
      const result = await inProcess('mcc', ['try', '--stage', 'dev', '--sandbox', sandbox], repo);
      expectOneLine(result.stderr, `another mcc try (pid ${other.pid})`);
      expect(result.exitCode).toBe(1);
    } finally {
      other.kill();
      await other.catch(() => undefined);
    }
    expect(snapshot(repo)).toEqual(before);
  });

  it('mcc stop refuses a folder that is not a sandbox', async () => {
    const result = await inProcess('mcc', ['stop', '--sandbox', outside], repo);
    expectOneLine(result.stderr, JSON.stringify(outside));
    expect(result.exitCode).toBe(2);
  });
});

/** One broken copy of the generated repository per case, broken by `edit`. */
type Edit = (path: (file: string) => string) => void;

function replaceIn(file: string, from: string | RegExp, to: string): Edit {
  return (path) => {
    const text = readFileSync(path(file), 'utf8');
    const changed = text.replace(from, to);
    if (changed === text) throw new Error(`${file}: ${from} not found`);
    writeFileSync(path(file), changed);
  };
}

const CHECK_CASES: [string, Edit, string[]][] = [
  [
    'a branch pattern that is not a regular expression',
    replaceIn('config.yml', 'allow_branches: ^main$', 'allow_branches: ^(main$'),
    ['config.yml: deploy.prod.allow_branches:', '"^(main$"'],
  ],
  [
    'an auto_branches pattern that is not a regular expression',
    replaceIn('config.yml', 'auto_branches: ^dev$', 'auto_branches: "[dev"'),
    ['config.yml: deploy.dev.auto_branches:', '"[dev"'],
  ],
  [
    'a misspelt stage key',
    replaceIn('config.yml', 'allow_branches: .*', 'alow_branches: .*'),
    ['config.yml: deploy.dev.alow_branches: unknown key; did you mean allow_branches?'],
  ],
  [
    'a missing required key',
    replaceIn('config.yml', /\n {4}auto_branches: "-"/, ''),
    ['config.yml: deploy.prod.auto_branches: missing'],
  ],
  [
    'a stage naming a missing conf file',
    replaceIn('config.yml', 'conf: conf-dev.yml', 'conf: conf-dvo.yml'),
    ['config.yml: deploy.dev.parameters.conf:', 'mcc/conf-dvo.yml'],
  ],
  [
    'a stage without conf whose default conf is missing',
    (path) =>
      writeFileSync(
        path('config.yml'),
        readFileSync(path('config.yml'), 'utf8') +
          '  qa:\n    allow_branches: .*\n' +
          '    auto_branches: "-"\n',
      ),
    ['config.yml: deploy.qa.parameters.conf:', 'mcc/conf-qa.yml'],
  ],
  [
    'a misspelt parameter',
    replaceIn('config.yml', 'keep_builds: 10', 'keep_build: 10'),
    ['config.yml: deploy.prod.parameters.keep_build: unknown key; did you mean keep_builds?'],
  ],
  [
    'keep_builds zero',
    replaceIn('config.yml', 'keep_builds: 10', 'keep_builds: 0'),
    ['config.yml: deploy.prod.parameters.keep_builds:', '0'],
  ],
  [
    'a bad stage name',
    replaceIn('config.yml', '  dev:', '  Dev_Stage:'),
    ['config.yml: deploy.Dev_Stage:', '"Dev_Stage"'],
  ],
  [
    'config.yml that is not YAML',
    replaceIn('config.yml', 'deploy:', 'deploy: [oops'),
    ['config.yml: line'],
  ],
  [
    'a misspelt conf key',
    replaceIn('mcc/conf-prod.yml', 'REMOTE_HOST:', 'REMOTE_HOTS:'),
    ['mcc/conf-prod.yml: REMOTE_HOTS: unknown key; did you mean REMOTE_HOST?'],
  ],
  [
    'a lower-case conf key',
    replaceIn('mcc/conf-prod.yml', /^DIR_USER:/m, 'dir_user:'),
    ['mcc/conf-prod.yml: dir_user: unknown key; did you mean DIR_USER?'],
  ],
  [
    'a bad domain',
    replaceIn('mcc/conf-dev.yml', 'DOMAIN: app.example.com', 'DOMAIN: shop_1.example.com'),
    ['mcc/conf-dev.yml: DOMAIN:', '"shop_1.example.com"'],
  ],
  [
    'a port out of range',
    replaceIn('mcc/conf-prod.yml', 'API_PORT: 8000', 'API_PORT: 99999'),
    ['mcc/conf-prod.yml: API_PORT:', '99999'],
  ],
  [
    'a STAGE given as a list',
    replaceIn('mcc/conf-dev.yml', /^STAGE: .*$/m, 'STAGE: [prod]'),
    ['mcc/conf-dev.yml: STAGE: ["prod"]: expected a single value, not a list or a mapping'],
  ],
  [
    'a user that PyYAML reads as false',
    replaceIn('mcc/conf-dev.yml', /^DIR_USER: .*$/m, 'DIR_USER: off'),
    ['mcc/conf-dev.yml: DIR_USER: false: expected text, in quotes'],
  ],
  [
    'a port in YAML 1.2 octal, which PyYAML reads as text',
    replaceIn('mcc/conf-prod.yml', 'API_PORT: 8000', 'API_PORT: 0o17500'),
    ['mcc/conf-prod.yml: API_PORT: "0o17500": expected a port'],
  ],
  [
    'a domain listed twice in two cases',
    replaceIn('mcc/conf-dev.yml', /^STAGE: .*$/m, '$&\nDOMAINS: [a.example.com, A.example.com]'),
    ['mcc/conf-dev.yml: DOMAINS: "a.example.com" and "A.example.com" are the same: list it once'],
  ],
  [
    'a port written as a float, which Python reads as one',
    replaceIn('mcc/conf-prod.yml', 'API_PORT: 8000', 'API_PORT: 8000.0'),
    ['mcc/conf-prod.yml: API_PORT: 8000.0: expected a whole number'],
  ],
  [
    'a port beyond what a JavaScript number holds exactly',
    replaceIn('mcc/conf-prod.yml', 'API_PORT: 8000', 'API_PORT: 100000000000000000000001'),
    ['mcc/conf-prod.yml: API_PORT: 100000000000000000000001: expected a port'],
  ],
  [
    'a port that is not a number',
    replaceIn('mcc/conf-prod.yml', 'API_PORT: 8000', 'API_PORT: .nan'),
    ['mcc/conf-prod.yml: API_PORT: .nan: expected a port'],
  ],
  [
    'keep_builds in exponent form',
    replaceIn('config.yml', 'keep_builds: 10', 'keep_builds: 1.0e+1'),
    ['config.yml: deploy.prod.parameters.keep_builds: 1.0e+1: expected a whole number'],
  ],
  [
    'a cron schedule out of range',
    replaceIn('mcc/conf-prod.yml', /schedule: .*/, 'schedule: "61 3 * * *"'),
    ['mcc/conf-prod.yml: CRON_JOBS[0].schedule:', '"61 3 * * *"'],
  ],
  [
    'a relative deployment folder',
    replaceIn('mcc/conf-prod.yml', /REMOTE_BASE: .*/, 'REMOTE_BASE: srv/notes'),
    ['mcc/conf-prod.yml: REMOTE_BASE:', '"srv/notes"'],
  ],
  [
    'a service listed twice',
    replaceIn('mcc/conf-prod.yml', /SERVICE_NAME: .*/, 'SERVICES: [notes-api, notes-api]'),
    ['mcc/conf-prod.yml: SERVICES:', '"notes-api" is listed twice'],
  ],
  ['a missing deploy script', (path) => rmSync(path('mcc_deploy.py')), ['mcc_deploy.py: missing']],
  [
    'aliases that multiply past any sense',
    (path) =>
      writeFileSync(
        path('config.yml'),
        readFileSync(path('config.yml'), 'utf8') +
          Array.from({ length: 7 }, (_, i) =>
            i === 0
              ? `x0: &a0 [${Array(50).fill('x').join(',')}]`
              : `x${i}: &a${i} [${Array(50)
                  .fill(`*a${i - 1}`)
                  .join(',')}]`,
          ).join('\n') +
          '\n',
      ),
    ['config.yml: Excessive alias count'],
  ],
  [
    'a conf without its STAGE',
    replaceIn('mcc/conf-dev.yml', /^STAGE: .*\n/m, ''),
    ['mcc/conf-dev.yml: STAGE: missing'],
  ],
  [
    'two stages deploying into one folder on one server',
    replaceIn('mcc/conf-dev.yml', /REMOTE_BASE: .*/, 'REMOTE_BASE: /srv/notes-api-prod'),
    ['mcc/conf-dev.yml: REMOTE_BASE: the same folder on the same host as mcc/conf-prod.yml'],
  ],
  [
    'the start of a known key',
    replaceIn('mcc/conf-prod.yml', 'CRON_JOBS:', 'CRON:'),
    ['mcc/conf-prod.yml: CRON: unknown key; did you mean CRON_JOBS or CRONTAB_FILE?'],
  ],
  [
    'a migration with nothing but comments in it',
    (path) => writeFileSync(path('mcc/migrations/0002_tags.sql'), '-- to do\n/* later */\n'),
    ['mcc/migrations/0002_tags.sql: holds no SQL yet'],
  ],
  [
    'a build that does not copy a module the deploy imports',
    replaceIn('mcc_build.py', /\n {4}"mcc_common\.py",/, ''),
    ['mcc_build.py: DEPLOY_FILES: mcc_common.py is not copied'],
  ],
];

describe('mcc check reports broken pipelines', () => {
  it('passes a freshly generated pipeline', async () => {
    const result = await inProcess('mcc', ['check', repo]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it.each(CHECK_CASES)('%s', async (_name, edit, expected) => {
    const broken = tempDir('broken');
    cpSync(repo, broken, { recursive: true });
    edit((file) => join(broken, file));
    const brokenBefore = snapshot(broken);
    const result = await inProcess('mcc', ['check', broken]);
    for (const text of expected) expect(result.stdout).toContain(text);
    expect(result.stderr).toMatch(/^error: \d+ problems? in \d+ files?\n$/);
    expect(result.exitCode).toBe(1);
    expect(snapshot(broken)).toEqual(brokenBefore);
  });

  it('warns of numbers PyYAML reads as others: octal, and sexagesimal', async () => {
    const odd = tempDir('odd');
    cpSync(repo, odd, { recursive: true });
    replaceIn('mcc/conf-prod.yml', 'WORKERS: 2', 'WORKERS: 017')((file) => join(odd, file));
    replaceIn(
      'mcc/conf-prod.yml',
      /SMOKE_TIMEOUT: .*/,
      'SMOKE_TIMEOUT: 1:30',
    )((file) => join(odd, file));
    const result = await inProcess('mcc', ['check', odd]);
    expect(result.stdout).toContain(
      'mcc/conf-prod.yml: warning: WORKERS: 017 reads as 15 (a leading 0 makes it octal)',
    );
    expect(result.stdout).toContain(
      'mcc/conf-prod.yml: warning: SMOKE_TIMEOUT: 1:30 reads as 90 (a:b is a * 60 + b)',
    );
    expect(result.exitCode).toBe(0);
  });

  it('reports every problem, not just the first', async () => {
    const broken = tempDir('broken');
    cpSync(repo, broken, { recursive: true });
    for (const [, edit] of CHECK_CASES.slice(0, 3)) edit((file) => join(broken, file));
    const result = await inProcess('mcc', ['check', broken]);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringContaining('deploy.prod.allow_branches: "^(main$"'),
      expect.stringContaining('deploy.dev.alow_branches: unknown key'),
      expect.stringContaining('deploy.dev.auto_branches: "[dev"'),
      'config.yml: deploy.dev.allow_branches: missing',
    ]);
    expect(result.exitCode).toBe(1);
  });

  it('refuses a folder that does not exist', async () => {
    const result = await inProcess('mcc', ['check', '/nonexistent/repo']);
    expectOneLine(result.stderr, '"/nonexistent/repo"');
    expect(result.exitCode).toBe(2);
  });

  it('says to run the generator where there is no pipeline', async () => {
    const empty = tempDir('empty');
    mkdirSync(join(empty, 'app'));
    const result = await inProcess('mcc', ['check', empty]);
    expectOneLine(result.stderr, 'create-mcc-pipeline');
    expect(result.exitCode).toBe(1);
  });
});
