/**
 * Which repository a command works on. Nothing here is heavy to load: the command lines
 * import it before they know what they will do.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What makes a folder a repository with a pipeline. */
export const PIPELINE_FILES = ['mcc_deploy.py', 'config.yml'];

/**
 * The repository a command started in start works on: start, or else the nearest folder
 * above it that holds a pipeline, as git finds its repository from a subfolder. Without
 * one, start, whose missing files loadPipeline names.
 */
export function findRoot(start: string): string {
  for (let folder = start; ; folder = dirname(folder)) {
    if (PIPELINE_FILES.every((file) => existsSync(join(folder, file)))) return folder;
    if (dirname(folder) === folder) return start;
  }
}

/** findRoot, saying which repository it is when it is not start itself. */
export function announcedRoot(start: string): string {
  const root = findRoot(start);
  if (root !== start) process.stdout.write(`in ${root}\n`);
  return root;
}
