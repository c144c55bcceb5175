/**
 * node-plop runs our generators. Their actions are of one custom type,
 * `render`, which renders a template into memory: files.ts decides what is
 * written, so nothing reaches the disk half-done.
 */
import nodePlop from 'node-plop';

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
}

export interface Generator<A> {
  description: string;
  actions: (answers: A) => RenderAction[];
}

export function renderAction(path: string, template: string, context: object): RenderAction {
  return { type: 'render', path, template, context };
}

export function contentAction(path: string, content: string): RenderAction {
  return { type: 'render', path, content, context: {} };
}

export function editAction(path: string, content: string): RenderAction {
  return { type: 'render', path, content, context: {}, edit: true };
}

export async function planFiles<A extends object>(
  name: string,
  generator: Generator<A>,
  answers: A,
): Promise<PlannedFile[]> {
  const plop = await nodePlop(undefined, { force: false, destBasePath: process.cwd() });
  const files: PlannedFile[] = [];
  plop.setActionType('render', (_answers, config) => {
    const action = config as unknown as RenderAction;
    let content = action.content ?? '';
    try {
      if (action.template) content = renderTemplate(action.template, action.context);
    } catch (error) {
      throw new Error(`${action.path}: ${(error as Error).message}`);
    }
    files.push({ path: action.path, content, ...(action.edit ? { edit: true } : {}) });
    return action.path;
  });
  plop.setGenerator(name, {
    description: generator.description,
    prompts: [],
    actions: (data) => generator.actions(data as A) as never,
  });
  const result = await plop.getGenerator(name).runActions(answers);
  if (result.failures.length > 0) {
    const failure = result.failures[0] as { error?: string };
    throw new CommandError(`could not render ${failure.error}`);
  }
  return files;
}
