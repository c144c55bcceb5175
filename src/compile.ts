/**
 * Compiling the Python about to be written, in one Python process. The
 * process can be started as soon as a command knows it will write: Python
 * then starts up while the files are planned, and the check itself costs
 * little. Nothing here is heavy to load, so the command lines import it first.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';

import { CommandError } from './errors.js';
import type { PlannedFile } from './files.js';

/** The oldest Python the generated scripts run on (they use datetime.UTC). */
const NEEDED = [3, 11] as const;

// The sources come as name, NUL, source, NUL and so on: a NUL cannot be in
// Python source. The answer is one line of JSON: the problems found (an empty
// list for none), or, from a Python too old to judge the scripts, its version.
// Written to run on any Python 3, so that an old one can say what it is, and
// without the json package, which would double Python's start-up: _json is
// its C half, and quotes a string for JSON alone.
const COMPILE_ALL = `
import sys
def answer(text):
    sys.stdout.write(text + "\\n")
    sys.stdout.flush()
if sys.version_info < (${NEEDED.join(', ')}):
    answer('{"version": "%d.%d"}' % sys.version_info[:2])
    sys.exit()
try:
    from _json import encode_basestring_ascii as quoted
except ImportError:
    from json import dumps as quoted
parts = sys.stdin.buffer.read().decode("utf-8").split("\\0")
problems = []
for name, source in zip(parts[0::2], parts[1::2]):
    try:
        compile(source, name, "exec", dont_inherit=True)
    except SyntaxError as error:
        problems.append("%s line %s: %s" % (name, error.lineno, error.msg))
answer('{"problems": [%s]}' % ", ".join(quoted(problem) for problem in problems))
`;

/** Compiling a few files takes milliseconds; a Python this slow is stuck. */
const ANSWER_SECONDS = 30;

type Outcome =
  | { problems: string[] }
  | { missing: true }
  /** A Python older than the scripts need, and its version. */
  | { old: string }
  /** Python ended without an answer, and what it said. */
  | { failed: string };

interface Compiler {
  program: string;
  /** Hand over the sources and wait for what Python made of them. */
  compile(sources: Record<string, string>): Promise<Outcome>;
  /** Stop a Python that was started for nothing. */
  dismiss(): void;
}

type Handle = { ref(): void; unref(): void };

/** The Pythons still running, each with its stop: Node takes them along when it exits. */
const running = new Set<() => void>();
let watching = false;

function watchExit(): void {
  if (watching) return;
  watching = true;
  process.on('exit', () => {
    for (const stop of running) stop();
  });
}

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
    if (statSync(own).isFile()) return own;
  } catch {
    // No environment, or one whose interpreter is gone.
  }
  return 'python3';
}

/** What Python printed, quoted, and cut short when it is long. */
function shown(text: string): string {
  const trimmed = text.trim();
  return JSON.stringify(trimmed.length > 80 ? `${trimmed.slice(0, 80)}…` : trimmed);
}

function readAnswer(line: string): Outcome {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    value = null;
  }
  const { problems, version } = (typeof value === 'object' && value !== null ? value : {}) as {
    problems?: unknown;
    version?: unknown;
  };
  if (typeof version === 'string') return { old: version };
  if (Array.isArray(problems) && problems.every((problem) => typeof problem === 'string')) {
    return { problems };
  }
  return { failed: `unexpected answer ${shown(line)}` };
}

/**
 * Python waiting for sources on its stdin. Neither the process nor its pipes
 * keep Node running while it waits, nor once it has answered: a command that
 * ends without compiling simply exits, and one that has its answer need not
 * wait for Python to exit. Whatever way Node ends, it takes the process along.
 */
function startCompiler(program: string): Compiler {
  // -I -S: only the compiler is needed, not the user's environment or site-packages.
  // In a process group of its own, so that stopping it stops whatever it started.
  const child = spawn(program, ['-I', '-S', '-c', COMPILE_ALL], { stdio: 'pipe', detached: true });
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Gone already, or never started.
    }
  };
  watchExit();
  running.add(stop);
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
  // A Python that ended early closes its stdin under the write.
  child.stdin.on('error', () => {});
  const answer = new Promise<Outcome>((resolve) => {
    child.stdout.on('data', (text: string) => {
      stdout += text;
      if (stdout.endsWith('\n')) resolve(readAnswer(stdout));
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ENOENT' ? { missing: true } : { failed: error.message }),
    );
    child.on('close', () => {
      running.delete(stop);
      // Python 2, and 3 before 3.4, do not know -I.
      if (/Unknown option: -I/.test(stderr)) resolve({ old: 'before 3.4' });
      const said = stdout.trim() ? `unexpected answer ${shown(stdout)}` : '';
      resolve({ failed: said || stderr.trim().split('\n').pop() || 'no answer' });
    });
  });
  hold(false);
  return {
    program,
    async compile(sources) {
      hold(true);
      child.stdin.end(Object.entries(sources).flat().join('\0'));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<Outcome>((resolve) => {
        timer = setTimeout(() => {
          stop();
          resolve({ failed: `no answer within ${ANSWER_SECONDS} s` });
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
      stop();
    },
  };
}

let waiting: Compiler | undefined;

/** Start Python now, for a command that will compile Python in root later on. */
export function startPythonCheck(root: string): void {
  waiting ??= startCompiler(compilerPath(root));
}

/** Stop a Python started for a command that ended without compiling. */
export function stopPythonCheck(): void {
  waiting?.dismiss();
  waiting = undefined;
}

/**
 * Compile the Python files among those about to be written; refuse on a
 * syntax error. A project's own Python too old to judge them hands the check
 * to python3; without a Python that can, the check is skipped with a note.
 */
export async function checkPython(files: PlannedFile[], root: string): Promise<void> {
  const sources = Object.fromEntries(
    files.filter((file) => file.path.endsWith('.py')).map((file) => [file.path, file.content]),
  );
  if (Object.keys(sources).length === 0) return;
  const withNul = Object.keys(sources).find((path) => sources[path]!.includes('\0'));
  if (withNul !== undefined) {
    throw new CommandError(`generated ${withNul} holds a NUL character, nothing was written`);
  }
  let compiler = waiting ?? startCompiler(compilerPath(root));
  waiting = undefined;
  let outcome = await compiler.compile(sources);
  if ('old' in outcome && compiler.program !== 'python3') {
    compiler = startCompiler('python3');
    outcome = await compiler.compile(sources);
  }
  const skipped = 'so the generated Python was not compiled';
  if ('missing' in outcome) {
    process.stderr.write(`note: ${compiler.program} not found, ${skipped}\n`);
  } else if ('old' in outcome) {
    const needed = NEEDED.join('.');
    process.stderr.write(
      `note: ${compiler.program} is Python ${outcome.old}, older than the ${needed} ` +
        `the generated scripts need, ${skipped}\n`,
    );
  } else if ('failed' in outcome) {
    throw new CommandError(
      `${compiler.program} could not check the generated Python, nothing was written: ` +
        outcome.failed,
    );
  } else if (outcome.problems.length > 0) {
    const [problem] = outcome.problems;
    throw new CommandError(`generated Python does not compile, nothing was written: ${problem}`);
  }
}
