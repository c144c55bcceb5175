/**
 * Writing a set of generated files into the user's repository as one unit:
 * compare with what is there, check every file, then write each through a
 * temporary file and rename, so an error or Ctrl-C leaves no partial file.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import pc from 'picocolors';
import { parse as parseYaml } from 'yaml';

import { CommandError } from './errors.js';

export interface PlannedFile {
  /** Relative to the repository root, with forward slashes. */
  path: string;
  content: string;
  /** An edit of the existing file (a YAML entry added): an update, not a conflict. */
  edit?: boolean;
}

export type Outcome = 'created' | 'updated' | 'unchanged' | 'skipped' | 'conflict';

export interface Comparison {
  file: PlannedFile;
  existing: string | null;
  outcome: Outcome;
}

export function compare(root: string, files: PlannedFile[]): Comparison[] {
  return files.map((file) => {
    const path = join(root, file.path);
    const existing = existsSync(path) ? readFileSync(path, 'utf8') : null;
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

/** Refuse to write anything when a generated file would not even parse. */
export function checkContents(files: PlannedFile[]): void {
  for (const file of files) {
    if (/\.ya?ml$/.test(file.path)) {
      try {
        parseYaml(file.content);
      } catch (error) {
        throw new CommandError(`generated ${file.path} is not valid YAML: ${String(error)}`);
      }
    }
  }
}

/** Write every file through a temporary sibling, then rename them all. */
export function writeAll(root: string, files: PlannedFile[]): void {
  const staged: [string, string][] = [];
  try {
    for (const file of files) {
      const target = join(root, file.path);
      mkdirSync(dirname(target), { recursive: true });
      const temporary = join(dirname(target), `.${file.path.split('/').pop()}.${process.pid}.tmp`);
      writeFileSync(temporary, file.content);
      staged.push([temporary, target]);
    }
  } catch (error) {
    for (const [temporary] of staged) rmSync(temporary, { force: true });
    throw error;
  }
  for (const [temporary, target] of staged) renameSync(temporary, target);
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
