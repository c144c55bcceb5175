/**
 * Writing a set of generated files into the user's repository as one unit:
 * compare with what is there, check every file, then write each through a
 * temporary file and rename, so an error or Ctrl-C leaves no partial file.
 */
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
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

interface Staged {
  path: string;
  temporary: string;
  target: string;
  /** A link to the file being replaced, kept until every file is in place. */
  backup: string | null;
  /** The first folder made for the file, if any. */
  made: string | undefined;
}

/**
 * Stage one file beside its target. An existing file keeps its mode and owner,
 * and a link keeps pointing where it did: the file it names gets the text.
 */
function stage(root: string, file: PlannedFile, staged: Staged[]): void {
  let target = join(root, file.path);
  const existing = existsSync(target) ? statSync(target) : null;
  // A link to nothing is replaced by the file, and kept to be put back.
  const dangling = !existing && lstatSync(target, { throwIfNoEntry: false })?.isSymbolicLink();
  if (existing) target = realpathSync(target);
  const same = staged.find((other) => other.target === target);
  if (same) {
    throw new CommandError(
      `${same.path} and ${file.path} are one file (a link): make them two files`,
    );
  }
  const made = mkdirSync(dirname(target), { recursive: true });
  const sibling = (suffix: string) =>
    join(dirname(target), `.${basename(target)}.${process.pid}.${suffix}`);
  const entry: Staged = { path: file.path, temporary: sibling('tmp'), target, backup: null, made };
  staged.push(entry);
  writeFileSync(entry.temporary, file.content);
  if (existing) {
    chmodSync(entry.temporary, existing.mode & 0o7777);
    try {
      chownSync(entry.temporary, existing.uid, existing.gid);
    } catch {
      // Only root may give a file away; the user's own files stay theirs anyway.
    }
  } else if (file.mode !== undefined) {
    chmodSync(entry.temporary, file.mode);
  }
  if (existing || dangling) {
    entry.backup = sibling('old');
    try {
      linkSync(target, entry.backup);
    } catch {
      copyFileSync(target, entry.backup);
    }
  }
}

/** Remove what staging left: temporaries, backups and the folders made for them. */
function discard(staged: Staged[]): void {
  for (const { temporary, backup } of staged) {
    rmSync(temporary, { force: true });
    if (backup) rmSync(backup, { force: true });
  }
  for (const { made } of [...staged].reverse()) {
    if (made) rmSync(made, { recursive: true, force: true });
  }
}

const UNCHANGED = 'none of the files was changed';

/**
 * Write every file through a temporary sibling, then rename them all. When a
 * rename fails, the files already renamed are put back as they were: either
 * every file is written or none is.
 */
export function writeAll(root: string, files: PlannedFile[]): void {
  const staged: Staged[] = [];
  for (const file of files) {
    try {
      stage(root, file, staged);
    } catch (error) {
      discard(staged);
      if (error instanceof CommandError) throw error;
      throw new CommandError(`could not write ${file.path}: ${fsReason(error)}; ${UNCHANGED}`);
    }
  }
  const renamed: Staged[] = [];
  for (const entry of staged) {
    try {
      renameSync(entry.temporary, entry.target);
      renamed.push(entry);
    } catch (error) {
      const kept = putBack(renamed);
      discard(staged.filter((other) => !kept.includes(other)));
      const reason = `could not write ${entry.path}: ${fsReason(error)}`;
      if (kept.length === 0) throw new CommandError(`${reason}; ${UNCHANGED}`);
      const left = kept.map((other) => `${other.path} (its old text is in ${other.backup})`);
      throw new CommandError(`${reason}; could not put back ${left.join(', ')}`);
    }
  }
  for (const { backup } of staged) if (backup) rmSync(backup, { force: true });
}

/** Undo the renames: the old file back, or the new one removed. Returns what could not be. */
function putBack(renamed: Staged[]): Staged[] {
  return renamed.filter(({ target, backup }) => {
    try {
      if (backup) renameSync(backup, target);
      else rmSync(target, { force: true });
      return false;
    } catch {
      return true;
    }
  });
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
    // A signal that came during the write waits in the event loop until the loop next
    // looks for events. The second of two immediates runs after it has: the first can
    // run before, in the turn under way.
    for (let turn = 0; turn < 2; turn++) await new Promise((done) => setImmediate(done));
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
