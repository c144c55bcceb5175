/** How both command lines leave on commander's own outcomes. */

/** commander adds its "Did you mean" on a second line; a mistake gets one line. */
export const ONE_LINE_ERRORS = {
  outputError: (text: string, write: (text: string) => void) =>
    write(`${text.trimEnd().replace(/\s*\n\s*/g, ' ')}\n`),
};

/** commander's own usage errors (unknown flag, missing value) exit with 2. */
export function usageExit(error: { exitCode: number; code: string }): never {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
    process.exit(0);
  process.exit(error.exitCode === 1 ? 2 : error.exitCode);
}

let pipeWatched = false;

/**
 * Output piped into a reader that stops early (`| head`) is not a failure:
 * leave quietly instead of with a stack trace for EPIPE.
 */
export function quietOnClosedPipe(): void {
  if (pipeWatched) return;
  pipeWatched = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}
