/**
 * node-plop runs our generators. Their actions are of one custom type,
 * `render`, which renders a template into memory: files.ts decides what is
 * written, so nothing reaches the disk half-done.
 *
 * We hand the generator to node-plop's generator runner rather than to a
 * full nodePlop() instance: the package's entry point imports inquirer 9 at
 * the top (about 0.2 s, most of a non-interactive run) for prompts our
 * generators never have, since the questions are asked before they run.
 */
import generatorRunner from 'node-plop/src/generator-runner.js';

import { CommandError } from './errors.js';
import type { PlannedFile } from './files.js';
import { renderTemplate } from './render.js';

export interface RenderAction {
  type: 'render';
  /** The file to write, relative to the repository root. */
  path: string;
  /** A template under templates/, or literal content. */
  template?: string;
  content?: string;
  context: object;
  /** The content is an edit of the file already there, not a replacement for it. */
  edit?: boolean;
  /** The permissions of a new file (an existing one keeps its own); else the umask's. */
  mode?: number;
}

export interface Generator<A> {
  description: string;
  actions: (answers: A) => RenderAction[];
}

export function renderAction(path: string, template: string, context: object): RenderAction {
  return { type: 'render', path, template, context };
}

export function contentAction(path: string, content: string, mode?: number): RenderAction {
  return { type: 'render', path, content, context: {}, ...(mode === undefined ? {} : { mode }) };
}

export function editAction(path: string, content: string): RenderAction {
  return { type: 'render', path, content, context: {}, edit: true };
}

export async function planFiles<A extends object>(
  name: string,
  generator: Generator<A>,
  answers: A,
): Promise<PlannedFile[]> {
  const files: PlannedFile[] = [];
  const render = (_data: object, config: { type: string }) => {
    const action = config as RenderAction;
    let content = action.content ?? '';
    try {
      if (action.template) content = renderTemplate(action.template, action.context);
    } catch (error) {
      throw new Error(`${action.path}: ${(error as Error).message}`);
    }
    const { edit, mode } = action;
    files.push({
      path: action.path,
      content,
      ...(edit ? { edit } : {}),
      ...(mode ? { mode } : {}),
    });
    return action.path;
  };
  const runner = generatorRunner(
    { getActionTypeList: () => ['render'], getActionType: () => render },
    { force: false },
  );
  const result = await runner.runGeneratorActions(
    {
      name,
      description: generator.description,
      prompts: [],
      actions: (data) => generator.actions(data as A),
    },
    answers,
  );
  if (result.failures.length > 0) {
    throw new CommandError(`could not render ${result.failures[0]!.error}`);
  }
  return files;
}
