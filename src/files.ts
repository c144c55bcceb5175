/**
 * Writing a set of generated files into the user's repository as one unit:
 * compare with what is there, check every file, then write each through a
 * temporary file and rename, so an error or Ctrl-C leaves no partial file.
 */
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createTwoFilesPatch } from 'diff';

import pc from './colours.js';
import { CommandError } from './errors.js';
import { describeProblem, parseYaml } from './yaml-read.js';

export interface PlannedFile {
  /** Relative to the repository root, with forward slashes. */
  path: string;
  content: string;
  /** An edit of the existing file (a YAML entry added): an update, not a conflict. */
  edit?: boolean;
  /** The permissions of a new file; an existing file keeps its own. */
  mode?: number;
}

export type Outcome = 'created' | 'updated' | 'unchanged' | 'skipped' | 'conflict';

export interface Comparison {
  file: PlannedFile;
  existing: string | null;
  outcome: Outcome;
}

function readExisting(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code})`;
    throw new CommandError(`${name} ${why}; nothing was written`);
  }
}

/** The file as it would be written over existing: in the line endings it has. */
function inLineEndingsOf(existing: string | null, file: PlannedFile): PlannedFile {
  if (existing === null || !existing.includes('\r\n') || file.content.includes('\r')) return file;
  return { ...file, content: file.content.replaceAll('\n', '\r\n') };
}

export function compare(root: string, planned: PlannedFile[]): Comparison[] {
  return planned.map((plannedFile) => {
    const path = join(root, plannedFile.path);
    const existing = existsSync(path) ? readExisting(plannedFile.path, path) : null;
    const file = inLineEndingsOf(existing, plannedFile);
    const outcome: Outcome =
      existing === null
        ? 'created'
        : existing === file.content
          ? 'unchanged'
          : file.edit
            ? 'updated'
            : 'conflict';
    return { file, existing, outcome };
  });
}

export function unifiedDiff(comparison: Comparison): string {
  const { file, existing } = comparison;
  return createTwoFilesPatch(
    existing === null ? '/dev/null' : `a/${file.path}`,
    `b/${file.path}`,
    existing ?? '',
    file.content,
    '',
    '',
  );
}

/** Refuse any generated YAML that would not even parse. */
export function checkYaml(files: PlannedFile[]): void {
  for (const file of files) {
    if (!/\.ya?ml$/.test(file.path)) continue;
    const problem = parseYaml(file.content).problems[0];
    if (problem) {
      throw new CommandError(
        `generated ${file.path} is not valid YAML: ${describeProblem(problem)}`,
      );
    }
  }
}

const FS_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EEXIST: 'a file stands where a folder is needed',
  ENOTDIR: 'a file stands where a folder is needed',
  EISDIR: 'a folder stands where the file goes',
};

/** A file system error as the few words a user needs, e.g. "permission denied". */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return FS_REASONS[code] ?? (code || String(error));
}

/**
 * Stage one file beside its target. An existing file keeps its mode and owner,
 * and a link keeps pointing where it did: the file it names gets the text.
 */
function stage(root: string, file: PlannedFile): [string, string] {
  let target = join(root, file.path);
  const existing = existsSync(target) ? statSync(target) : null;
  if (existing) target = realpathSync(target);
  mkdirSync(dirname(target), { recursive: true });
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, file.content);
    if (existing) chmodSync(temporary, existing.mode & 0o7777);
    else if (file.mode !== undefined) chmodSync(temporary, file.mode);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  if (existing) {
    try {
      chownSync(temporary, existing.uid, existing.gid);
    } catch {
      // Only root may give a file away; the user's own files stay theirs anyway.
    }
  }
  return [temporary, target];
}

/** Write every file through a temporary sibling, then rename them all. */
export function writeAll(root: string, files: PlannedFile[]): void {
  const staged: [string, string][] = [];
  try {
    for (const file of files) {
      try {
        staged.push(stage(root, file));
      } catch (error) {
        throw new CommandError(`could not write ${file.path}: ${fsReason(error)}`);
      }
    }
  } catch (error) {
    for (const [temporary] of staged) rmSync(temporary, { force: true });
    throw error;
  }
  for (const [temporary, target] of staged) renameSync(temporary, target);
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Run a synchronous write with Ctrl-C held back: without a handler Node dies
 * at once, possibly between two files; with one, the signal waits until the
 * write is done and is then honoured. Returns the signal that came, if any.
 */
export async function withSignalsHeld(write: () => void): Promise<NodeJS.Signals | null> {
  let received: NodeJS.Signals | null = null;
  const hold = (signal: NodeJS.Signals) => (received ??= signal);
  for (const signal of SIGNALS) process.on(signal, hold);
  try {
    write();
    // Let a signal that arrived during the write be delivered before letting go.
    await new Promise((done) => setTimeout(done, 5));
  } finally {
    for (const signal of SIGNALS) process.off(signal, hold);
  }
  return received;
}

const COLOURS: Record<Outcome, (text: string) => string> = {
  created: pc.green,
  updated: pc.yellow,
  unchanged: pc.dim,
  skipped: pc.dim,
  conflict: pc.red,
};

export function report(comparisons: Comparison[], prefix = ''): void {
  for (const { file, outcome } of comparisons) {
    process.stdout.write(`${prefix}${COLOURS[outcome](outcome.padEnd(9))} ${file.path}\n`);
  }
}
