/** A front end end to end: built by npm, shipped in output/ui, served from current-ui. */
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { cli, exampleCopy, tempDir } from './helpers.js';

/** A front end with no dependencies: npm ci works offline and build writes dist/. */
function addFrontend(repo: string): void {
  const folder = join(repo, 'frontend');
  mkdirSync(folder);
  const manifest = { name: 'notes-ui', version: '1.0.0', scripts: { build: 'node build.js' } };
  writeFileSync(join(folder, 'package.json'), JSON.stringify(manifest, null, 2));
  const lock = {
    name: 'notes-ui',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'notes-ui', version: '1.0.0' } },
  };
  writeFileSync(join(folder, 'package-lock.json'), JSON.stringify(lock, null, 2));
  writeFileSync(
    join(folder, 'build.js'),
    "const fs = require('node:fs');\n" +
      "fs.mkdirSync('dist', { recursive: true });\n" +
      "fs.writeFileSync('dist/index.html', `<h1>notes ${process.env.UI_MARK ?? ''}</h1>\\n`);\n",
  );
}

describe('mcc try with a front end', () => {
  it('builds it, ships it as ui/vrs-…, and switches current-ui with current-api', async () => {
    const repo = exampleCopy();
    addFrontend(repo);
    const generated = await cli(
      'create',
      ['--yes', '--remote-host', 'app.example.com', '--frontend', 'npm', '--cron', 'none'],
      repo,
    );
    expect(generated.stderr).toBe('');
    const sandbox = tempDir('sandbox');
    for (const mark of ['one', 'two']) {
      const result = await cli('mcc', ['try', '--stage', 'dev', '--sandbox', sandbox], repo, {
        UI_MARK: mark,
      });
      expect(result.stdout + result.stderr).toContain('try passed');
    }
    const releases = readdirSync(join(sandbox, 'ui')).sort();
    expect(releases).toEqual(readdirSync(join(sandbox, 'api')).sort());
    expect(readlinkSync(join(sandbox, 'current-ui'))).toBe(`ui/${releases[1]}`);
    expect(readFileSync(join(sandbox, 'current-ui', 'index.html'), 'utf8')).toBe(
      '<h1>notes two</h1>\n',
    );
    expect(readFileSync(join(sandbox, 'ui', releases[0]!, 'index.html'), 'utf8')).toBe(
      '<h1>notes one</h1>\n',
    );
    expect(existsSync(join(repo, 'output', 'ui', 'index.html'))).toBe(true);
  });
});
