/**
 * One change at a time in a repository: two adds at once would each read the
 * confs, add their entry and write, and the second would lose the first's. The
 * lock is a file in the system's temporary folder naming the process that holds
 * it; a second add waits for it, and takes over one left by a process that died.
 */
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CommandError } from './errors.js';

const WAIT_SECONDS = 20;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in the lock; NaN while its maker has not written it yet, null once it is gone. */
function readHolder(path: string): number | null {
  try {
    return Number.parseInt(readFileSync(path, 'utf8'), 10);
  } catch {
    return null;
  }
}

/** The lock file of the repository at root, however root is named: by its device and inode. */
export function lockPath(root: string): string {
  const { dev, ino } = statSync(root, { bigint: true });
  return join(tmpdir(), `mcc-${dev}-${ino}.lock`);
}

/** Hold the repository's lock while change runs. */
export async function withRepositoryLock<T>(root: string, change: () => Promise<T>): Promise<T> {
  const path = lockPath(root);
  const deadline = Date.now() + WAIT_SECONDS * 1000;
  for (;;) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      // Without a temporary folder to write in, there is no lock to take.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return change();
    }
    const holder = readHolder(path);
    if (holder === null) continue;
    if (!Number.isNaN(holder) && !alive(holder)) rmSync(path, { force: true });
    else if (Date.now() > deadline) {
      throw new CommandError(
        `another mcc command (pid ${holder}) has been changing this repository for ` +
          `${WAIT_SECONDS} s; try again when it is done`,
      );
    } else await new Promise((done) => setTimeout(done, 50));
  }
  try {
    return await change();
  } finally {
    rmSync(path, { force: true });
  }
}
