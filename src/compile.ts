/**
 * Compiling the Python about to be written, in one python3 process. The
 * process can be started as soon as a command knows it will write: python3
 * then starts up while the files are planned, and the check itself costs
 * little. Nothing here is heavy to load, so the command lines import it first.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

import { CommandError } from './errors.js';
import type { PlannedFile } from './files.js';

// One line of JSON when done: the problems found, an empty list for none.
const COMPILE_ALL = `
import json, sys
problems = []
for name, source in json.load(sys.stdin).items():
    try:
        compile(source, name, "exec", dont_inherit=True)
    except SyntaxError as error:
        problems.append(f"{name} line {error.lineno}: {error.msg}")
print(json.dumps(problems), flush=True)
`;

/** Compiling a few files takes milliseconds; a Python this slow is stuck. */
const ANSWER_SECONDS = 30;

type Outcome =
  | { problems: string[] }
  | { missing: true }
  /** Python ended without an answer: which one, and what it said on stderr. */
  | { failed: string; program: string };

interface Compiler {
  /** Hand over the sources and wait for what python3 made of them. */
  compile(sources: Record<string, string>): Promise<Outcome>;
  /** Let python3 go without sources: it reads the end of its input and ends. */
  dismiss(): void;
}

type Handle = { ref(): void; unref(): void };

/**
 * The Python to compile with: the project's own environment's when it has one,
 * which is the version the project runs and starts at once, where python3 on
 * PATH may be a version manager's launcher script that takes longer to choose
 * a Python than the check takes.
 */
export function compilerPath(root: string): string {
  const own = join(root, '.venv', 'bin', 'python');
  try {
    accessSync(own, constants.X_OK);
    return own;
  } catch {
    return 'python3';
  }
}

/**
 * python3 waiting for sources on its stdin. Neither the process nor its pipes
 * keep Node running while it waits, nor once it has answered: a command that
 * ends without compiling simply exits (python3 then reads the end of its input
 * and ends too), and one that has its answer need not wait for python3 to exit.
 */
function startCompiler(root: string): Compiler {
  // -I -S: only the compiler is needed, not the user's environment or site-packages.
  const program = compilerPath(root);
  const child = spawn(program, ['-I', '-S', '-c', COMPILE_ALL], { stdio: 'pipe' });
  // The pipes are sockets, which can be let go of like the process.
  const handles = [child, child.stdin, child.stdout, child.stderr] as unknown as Handle[];
  const hold = (held: boolean) => {
    for (const handle of handles) {
      if (held) handle.ref();
      else handle.unref();
    }
  };
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => (stderr += text));
  // A python3 that failed to start closes its stdin under the write.
  child.stdin.on('error', () => {});
  const answer = new Promise<Outcome>((resolve) => {
    child.stdout.on('data', (text: string) => {
      stdout += text;
      if (!stdout.endsWith('\n')) return;
      try {
        resolve({ problems: JSON.parse(stdout) as string[] });
      } catch {
        resolve({ failed: `unexpected answer ${JSON.stringify(stdout.trim())}`, program });
      }
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ENOENT' ? { missing: true } : { failed: String(error), program }),
    );
    child.on('close', () => {
      resolve({ failed: stderr.trim().split('\n').pop() || 'no answer', program });
    });
  });
  hold(false);
  return {
    async compile(sources) {
      hold(true);
      child.stdin.end(JSON.stringify(sources));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<Outcome>((resolve) => {
        timer = setTimeout(() => {
          child.kill();
          resolve({ failed: `no answer within ${ANSWER_SECONDS} s`, program });
        }, ANSWER_SECONDS * 1000);
      });
      try {
        return await Promise.race([answer, late]);
      } finally {
        clearTimeout(timer);
        hold(false);
      }
    },
    dismiss() {
      child.stdin.end();
    },
  };
}

let waiting: Compiler | undefined;

/** Start Python now, for a command that will compile Python in root later on. */
export function startPythonCheck(root: string): void {
  waiting ??= startCompiler(root);
}

/** End a python3 started for a command that ended without compiling. */
export function stopPythonCheck(): void {
  waiting?.dismiss();
  waiting = undefined;
}

/** Compile the Python files among those about to be written; refuse on a syntax error. */
export async function checkPython(files: PlannedFile[], root: string): Promise<void> {
  const sources = Object.fromEntries(
    files.filter((file) => file.path.endsWith('.py')).map((file) => [file.path, file.content]),
  );
  if (Object.keys(sources).length === 0) return;
  const compiler = waiting ?? startCompiler(root);
  waiting = undefined;
  const outcome = await compiler.compile(sources);
  if ('missing' in outcome) {
    process.stderr.write('note: python3 not found, so the generated Python was not compiled\n');
    return;
  }
  if ('failed' in outcome) {
    throw new CommandError(
      `${outcome.program} could not check the generated Python, nothing was written: ` +
        outcome.failed,
    );
  }
  if (outcome.problems.length > 0) {
    const [problem] = outcome.problems;
    throw new CommandError(`generated Python does not compile, nothing was written: ${problem}`);
  }
}
