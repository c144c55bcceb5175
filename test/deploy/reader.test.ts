/**
 * Twenty deploys in a row, under umask 077, while a reader polls a file through current-api:
 * the link is never missing, cleanup keeps what links point at, and permissions come out
 * group read/write whatever the umask. The services are not restarted here (the app keeps
 * serving the first release and the smoke test still asks it): restarts are proven in the
 * other fault tests, and twenty of them would cost two minutes.
 */
import {
  existsSync,
  lstatSync,
  readdirSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  closeSandbox,
  current,
  deploy,
  expectSuccess,
  makeSandbox,
  releases,
  upload,
  type Sandbox,
} from './sandbox.js';

const DEPLOYS = 20;
const KEEP = 3;

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await makeSandbox([]);
});

afterAll(async () => {
  await closeSandbox(sandbox);
});

/** Reads current-api/mcc-release.json as fast as it can until told to stop. */
function startReader(base: string, stop: string) {
  const script =
    'import json, os, sys\n' +
    'path = os.path.join(sys.argv[1], "current-api", "mcc-release.json")\n' +
    'reads = misses = 0\n' +
    'while not os.path.exists(sys.argv[2]):\n' +
    '    try:\n' +
    '        with open(path) as f:\n' +
    '            json.load(f)\n' +
    '        reads += 1\n' +
    '    except (OSError, ValueError):\n' +
    '        misses += 1\n' +
    'print(json.dumps({"reads": reads, "misses": misses}))\n';
  return execa('python3', ['-c', script, base, stop]);
}

/** Paths below root whose group bits lack read/write (and search, for folders). */
function withoutGroupAccess(root: string): string[] {
  const bad: string[] = [];
  const visit = (path: string) => {
    const status = lstatSync(path);
    if (status.isSymbolicLink()) return;
    const wanted = status.isDirectory() ? 0o070 : 0o060;
    if ((status.mode & wanted) !== wanted) bad.push(`${path} ${(status.mode & 0o777).toString(8)}`);
    if (status.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(root);
  return bad;
}

describe('twenty deploys', () => {
  it(
    'never leave current-api missing, keep linked releases, and fix permissions under umask 077',
    {
      timeout: 180_000,
    },
    async () => {
      const first = current(sandbox.base);
      symlinkSync(`api/${first}`, join(sandbox.base, 'hotfix'));
      const folder = upload(sandbox, { RESTART_COMMAND: ['true'] }, { keep_builds: KEEP });
      writeFileSync(
        join(folder, 'mcc', 'migrations', '0002_tags.sql'),
        'CREATE TABLE tags (id INTEGER);\n',
      );
      const stop = join(sandbox.base, 'stop-reader');
      const reader = startReader(sandbox.base, stop);
      const deployed: string[] = [];
      try {
        for (let round = 1; round <= DEPLOYS; round++) {
          if (round === DEPLOYS) {
            // Newest releases get the oldest file times: cleanup must go by name.
            for (const [age, name] of releases(sandbox.base).reverse().entries()) {
              utimesSync(join(sandbox.base, 'api', name), age, age);
            }
          }
          const result = await deploy(folder, { umask: '077' });
          expectSuccess(result);
          deployed.push(current(sandbox.base));
        }
      } finally {
        writeFileSync(stop, '');
      }
      const { reads, misses } = JSON.parse((await reader).stdout) as Record<string, number>;
      expect(misses).toBe(0);
      expect(reads).toBeGreaterThan(1000);

      expect(new Set(deployed).size).toBe(DEPLOYS);
      expect([...deployed].sort()).toEqual(deployed);
      expect(releases(sandbox.base)).toEqual([first, ...deployed.slice(-KEEP)]);

      const lock = join(sandbox.base, '.mcc-deploy.lock');
      expect(statSync(lock).mode & 0o060).toBe(0o060);
      expect(statSync(join(sandbox.base, 'api')).mode & 0o070).toBe(0o070);
      for (const tree of ['api', 'data', 'backups']) {
        expect(existsSync(join(sandbox.base, tree))).toBe(true);
        expect(withoutGroupAccess(join(sandbox.base, tree)).slice(0, 5)).toEqual([]);
      }
    },
  );
});
