/**
 * Handlebars set up for code: no HTML escaping, and helpers that turn values
 * into Python and YAML literals so no value is ever pasted in unquoted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { stringify } from 'yaml';

import { TEMPLATES } from './paths.js';

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
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

const handlebars = Handlebars.create();
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
    const source = readFileSync(join(TEMPLATES, name), 'utf8');
    template = handlebars.compile(source, { noEscape: true, strict: true });
    compiled.set(name, template);
  }
  return template(data);
}
