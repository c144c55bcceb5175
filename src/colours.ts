/**
 * Colours only for a person at a terminal: off when NO_COLOR is set or
 * stdout is not a terminal. picocolors alone also turns them on whenever CI
 * is set, which would put escape codes into piped output and logs.
 */
import picocolors from 'picocolors';

export function colourWanted(
  env: NodeJS.ProcessEnv = process.env,
  tty = Boolean(process.stdout.isTTY),
): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return tty && env.TERM !== 'dumb';
}

const pc = picocolors.createColors(colourWanted());
export default pc;
