/**
 * The CLIs run inside the test process: a CLI start costs about 0.3 s, and
 * the bad-input tests run dozens. process.exit, stdout and stderr are caught.
 */
import { vi } from 'vitest';

import { main as createMain } from '../src/cli/create.js';
import { main as mccMain } from '../src/cli/mcc.js';
import type { Result } from './helpers.js';

class Exit extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

const MAINS = { create: createMain, mcc: mccMain };

export async function inProcess(
  which: keyof typeof MAINS,
  args: string[],
  cwd = process.cwd(),
): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Exit(Number(code ?? 0));
  });
  const previous = process.cwd();
  process.chdir(cwd);
  process.exitCode = undefined;
  let exitCode = 0;
  try {
    await MAINS[which](['node', which, ...args]);
    exitCode = Number(process.exitCode ?? 0);
  } catch (error) {
    if (!(error instanceof Exit)) throw error;
    exitCode = error.code;
  } finally {
    out.mockRestore();
    err.mockRestore();
    exit.mockRestore();
    process.chdir(previous);
    process.exitCode = undefined;
  }
  return { exitCode, stdout, stderr };
}
