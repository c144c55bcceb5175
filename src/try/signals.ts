/**
 * A signal to mcc try alone (kill, timeout, a closed terminal) must stop what
 * it started, as Ctrl-C to the whole terminal does. So the build and the
 * deploy run in a process group of their own, reached by the signal in the
 * way each stops cleanly, and mcc try waits for them to finish before it stops
 * the apps and exits. A second signal kills the group at once.
 */
import { execa, type Options } from 'execa';

import { CommandError } from '../errors.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const EXIT_CODES: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

export class StoppedError extends CommandError {
  override readonly exitCode: number;
  constructor(signal: string, sandbox: string) {
    super(`stopped by ${signal}; its apps are stopped and the sandbox ${sandbox} keeps the rest`);
    this.exitCode = EXIT_CODES[signal] ?? 1;
  }
}

/**
 * How a step is told to stop: `group` sends SIGINT to its whole process group,
 * as Ctrl-C would, so that the tests or npm under the build stop too; `uv`
 * sends the signal to uv alone, which passes it on to the deploy once: the
 * deploy then switches back, and a second delivery would cut that short.
 */
export type Reach = 'group' | 'uv';

export class Signals {
  received: NodeJS.Signals | null = null;
  private step: { pid: number; reach: Reach } | undefined;
  private readonly listener = (signal: NodeJS.Signals) => this.receive(signal);

  constructor(private readonly sandbox: string) {
    for (const signal of SIGNALS) process.on(signal, this.listener);
  }

  dispose(): void {
    for (const signal of SIGNALS) process.off(signal, this.listener);
  }

  /** Throws StoppedError once a signal came. */
  check(): void {
    if (this.received) throw new StoppedError(this.received, this.sandbox);
  }

  /** Runs a step in its own process group; returns its exit code. */
  async run(file: string, args: string[], options: Options, reach: Reach): Promise<number> {
    this.check();
    const step = execa(file, args, { ...options, detached: true, stdio: 'inherit', reject: false });
    this.step = { pid: step.pid!, reach };
    const result = await step;
    this.step = undefined;
    this.check();
    return result.exitCode ?? 1;
  }

  private receive(signal: NodeJS.Signals): void {
    const first = this.received === null;
    this.received ??= signal;
    if (this.step === undefined) return;
    const { pid, reach } = this.step;
    try {
      if (!first) process.kill(-pid, 'SIGKILL');
      else if (reach === 'group') process.kill(-pid, 'SIGINT');
      // uv passes on SIGINT and SIGTERM; SIGHUP it would not.
      else process.kill(pid, signal === 'SIGHUP' ? 'SIGTERM' : signal);
    } catch {
      // The step has just finished.
    }
  }
}
