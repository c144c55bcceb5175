/**
 * Handlebars set up for code: no HTML escaping, and helpers that turn values
 * into Python and YAML literals so no value is ever pasted in unquoted.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type Handlebars from 'handlebars';
import Runtime from 'handlebars/runtime.js';
import { stringify } from 'yaml';

import { TEMPLATES } from './paths.js';
import { precompiled } from './precompiled.js';
import { YAML_OPTIONS } from './yaml-read.js';

type Value = string | number | boolean | null | undefined | Value[] | { [key: string]: Value };

/** The widest a Python literal may render on one line before it is folded. */
const INLINE_WIDTH = 60;

export function pythonLiteral(value: Value): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number' || typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    const items = value.map(pythonLiteral);
    const inline = `[${items.join(', ')}]`;
    if (inline.length <= INLINE_WIDTH) return inline;
    return `[\n${items.map((item) => `    ${item},\n`).join('')}]`;
  }
  const entries = Object.entries(value).map(
    ([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`,
  );
  const inline = `{${entries.join(', ')}}`;
  if (inline.length <= INLINE_WIDTH) return inline;
  return `{\n${entries.map((entry) => `    ${entry},\n`).join('')}}`;
}

export function yamlLiteral(value: Value): string {
  if (Array.isArray(value)) return `[${value.map(yamlLiteral).join(', ')}]`;
  return stringify(value, { ...YAML_OPTIONS, lineWidth: 0 }).trimEnd();
}

/** How every template is compiled, ahead of time or here. */
export const COMPILE_OPTIONS = { noEscape: true, strict: true } as const;

// The compiler is loaded only when templates were not precompiled, and
// through require so that the bundle leaves it out.
const handlebars: typeof Handlebars = precompiled
  ? (Runtime as unknown as typeof Handlebars).create()
  : createRequire(import.meta.url)('handlebars').create();
handlebars.registerHelper('py', (value: Value) => pythonLiteral(value));
handlebars.registerHelper('pyItems', (value: Value[]) => value.map(pythonLiteral).join(', '));
handlebars.registerHelper('yaml', (value: Value) => yamlLiteral(value));
handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);
handlebars.registerHelper('includes', (list: unknown[], item: unknown) => list?.includes(item));

const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** Render templates/<name> with data. */
export function renderTemplate(name: string, data: object): string {
  let template = compiled.get(name);
  if (!template) {
    template = precompiled
      ? handlebars.template(precompiled[name]!)
      : handlebars.compile(readFileSync(join(TEMPLATES, name), 'utf8'), COMPILE_OPTIONS);
    compiled.set(name, template);
  }
  return template(data);
}
