/** The build half of mcc try: a failing test stops everything before the deploy. */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { cli, tempDir, generatedExample } from './helpers.js';

describe('mcc try, when the build fails', () => {
  it('stops at the failing test and deploys nothing', async () => {
    const repo = await generatedExample();
    writeFileSync(join(repo, 'tests', 'test_broken.py'), 'def test_broken():\n    assert 1 == 2\n');
    const sandbox = tempDir('sandbox');

    const result = await cli('mcc', ['try', '--stage', 'dev', '--sandbox', sandbox], repo);

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('1 failed');
    expect(result.stderr).toContain('build failed: command failed with exit code 1: uv run');
    expect(result.stderr).toContain('error: the build failed (exit code 1); nothing was deployed');
    expect(existsSync(join(sandbox, 'api'))).toBe(false);
    expect(readdirSync(join(repo, 'output'))).toEqual([]);
  });
});
