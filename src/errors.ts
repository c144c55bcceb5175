/** A mistake in what the user asked for: reported as one line, exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** Something went wrong while doing what was asked: one line, exit code 1. */
export class CommandError extends Error {
  readonly exitCode: number = 1;
}

/** Files that exist and differ from what would be written. */
export class ConflictError extends CommandError {
  constructor(readonly paths: string[]) {
    super(
      paths.length === 1
        ? `${paths[0]} would change; nothing was written. --dry-run shows the diff; ` +
            '--force overwrites it, dropping your own edits there'
        : `${paths.length} files would change: ${paths.join(', ')}; nothing was written. ` +
            '--dry-run shows the diffs; --force overwrites them, dropping your own edits there',
    );
  }
}

/** Ctrl-C (or a kill) that was held back until every file was written. */
export class InterruptedError extends CommandError {
  override readonly exitCode = 130;
  constructor(signal: string) {
    super(`${signal} received: stopped after writing every file, none is half-written`);
  }
}

export function exitWith(error: unknown): never {
  if (error instanceof UsageError || error instanceof CommandError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  if (error instanceof Error && error.name === 'ExitPromptError') {
    process.stderr.write('cancelled; nothing was written\n');
    process.exit(130);
  }
  throw error;
}
