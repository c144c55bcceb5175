/** How both command lines leave on commander's own outcomes. */
import { writeSync } from 'node:fs';
import type { Command } from 'commander';

import { UsageError } from '../errors.js';

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

/** `mcc … | head` closes our output early: stop quietly instead of tracing. */
let guarded = false;

export function exitQuietlyOnClosedOutput(): void {
  if (guarded) return;
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      // A full disk, say: one line on stderr, if stderr can take it.
      if (stream === process.stdout) {
        const reason = error.code === 'ENOSPC' ? 'no space left on the device' : error.message;
        try {
          writeSync(2, `error: cannot write the output: ${reason}\n`);
        } catch {
          // Nowhere left to say it.
        }
      }
      process.exit(1);
    });
  }
}

/** A value flag given twice is refused: commander would keep the last one without a word. */
export function refuseRepeatedFlags(command: Command): Command {
  for (const option of command.options) {
    if (!option.required && !option.optional) continue;
    let seen = false;
    option.argParser((value: string) => {
      // Not commander's InvalidArgumentError, which it would wrap in words of its own.
      if (seen) {
        throw new UsageError(
          `${option.long} ${JSON.stringify(value)}: ${option.long} is given twice; give it once`,
        );
      }
      seen = true;
      return value;
    });
  }
  command.commands.forEach(refuseRepeatedFlags);
  return command;
}
