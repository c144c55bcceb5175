/**
 * How every YAML file of a pipeline is read: as PyYAML reads it on the
 * server (YAML 1.1, merge keys and anchors resolved), with a repeated key an
 * error rather than a silent overwrite, and each syntax problem told with its
 * line.
 */
import {
  isScalar,
  parseDocument,
  visit,
  type Document,
  type ScalarTag,
  type Tags,
  type YAMLError,
} from 'yaml';

import { CommandError } from './errors.js';

// Where PyYAML's resolver (its resolver.py) reads a plain scalar otherwise than
// the yaml package's YAML 1.1 schema: no y or n for booleans, no leading zero in
// a decimal or a sexagesimal integer, a point and a signed exponent in a float.
const PYYAML_TESTS: Record<string, RegExp> = {
  'bool true': /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/,
  'bool false': /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
  int: /^[-+]?(?:0|[1-9][0-9_]*)$/,
  'int TIME': /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/,
  float: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)$/,
  'float EXP': /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)[eE][-+][0-9]+$/,
};

/** How PyYAML reads an integer written as 017 (15) or 1:30 (90), which is rarely what is meant. */
export function unexpectedBase(source: string): 'octal' | 'sexagesimal' | undefined {
  if (PYYAML_TESTS['int TIME']!.test(source)) return 'sexagesimal';
  return /^[-+]?0[0-7_]+$/.test(source) ? 'octal' : undefined;
}

function pyyamlKey(tag: ScalarTag): string {
  const name = tag.tag.replace('tag:yaml.org,2002:', '');
  if (name === 'bool') return `bool ${Boolean(tag.identify?.(true))}`;
  if (name === 'float' && tag.test?.test('.inf')) return 'float inf';
  return tag.format ? `${name} ${tag.format}` : name;
}

/** A plain = is YAML 1.1's value key, which PyYAML refuses to load. */
const VALUE_KEY: ScalarTag = {
  tag: 'tag:yaml.org,2002:value',
  default: true,
  test: /^=$/,
  identify: () => false,
  resolve: (source, onError) => {
    onError('a plain = cannot be read by the deploy (PyYAML takes it for a value key): quote it');
    return source;
  },
};

/**
 * The YAML 1.1 tags as PyYAML reads them. A scalar read from a file is written
 * back as it was written (1:30 stays 1:30, not 01:30, which PyYAML reads as text).
 */
function pyyamlTag(tag: ScalarTag): ScalarTag {
  const test = PYYAML_TESTS[pyyamlKey(tag)] ?? tag.test!;
  const render = tag.stringify;
  const scalar: ScalarTag = { ...tag, test };
  if (render) {
    scalar.stringify = (item, ctx, onComment, onChompKeep) =>
      typeof item.source === 'string' && test.test(item.source)
        ? item.source
        : render(item, ctx, onComment, onChompKeep);
  }
  return scalar;
}

/** Each tag of the yaml package as PyYAML reads it, made once: every parse asks. */
const adjustedTags = new WeakMap<ScalarTag, ScalarTag>();

function pyyamlTags(tags: Tags): Tags {
  const adjusted = tags.map((tag) => {
    if (typeof tag !== 'object' || 'collection' in tag || !tag.test) return tag;
    let scalar = adjustedTags.get(tag);
    if (!scalar) adjustedTags.set(tag, (scalar = pyyamlTag(tag)));
    return scalar;
  });
  return [...adjusted, VALUE_KEY];
}

/**
 * YAML as PyYAML reads and writes it (1.1: on, off, yes and no are booleans,
 * 017 is octal), for reading and writing alike: a string that PyYAML would
 * read as something else is written in quotes.
 */
export const YAML_OPTIONS = { version: '1.1', customTags: pyyamlTags } as const;

export const READ_OPTIONS = { ...YAML_OPTIONS, merge: true, uniqueKeys: true } as const;

export interface YamlProblem {
  line: number | null;
  message: string;
}

interface Parsed {
  document: Document.Parsed;
  problems: YamlProblem[];
}

/** The texts parsed last, newest last: one command reads and checks each file more than once. */
const parsed = new Map<string, Parsed>();
const KEPT = 32;

/**
 * A YAML text parsed, with its problems. The same text is parsed once, so the
 * Document is shared: read it, and make any change to a clone().
 */
export function parseYaml(text: string): Parsed {
  const known = parsed.get(text);
  if (known) return known;
  const result = parseFresh(text);
  parsed.set(text, result);
  if (parsed.size > KEPT) parsed.delete(parsed.keys().next().value!);
  return result;
}

function parseFresh(text: string): Parsed {
  const document = parseDocument(text, READ_OPTIONS);
  const problems = document.errors.map((error) => ({
    line: error.linePos?.[0].line ?? null,
    message: problemMessage(document, error),
  }));
  return { document, problems };
}

function problemMessage(document: Document.Parsed, error: YAMLError): string {
  if (error.code === 'MULTIPLE_DOCS') {
    return 'holds a second YAML document (a second ---), which the deploy refuses';
  }
  const key = error.code === 'DUPLICATE_KEY' ? keyAt(document, error.pos[0]) : undefined;
  if (key !== undefined) {
    return `the key ${JSON.stringify(key)} is twice in one mapping; the deploy would take the last`;
  }
  return error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** The scalar key that starts at offset, as written. */
function keyAt(document: Document.Parsed, offset: number): string | undefined {
  let found: string | undefined;
  visit(document, {
    Pair(_, pair) {
      const { key } = pair;
      if (isScalar(key) && key.range?.[0] === offset) {
        found = key.source ?? String(key.value);
        return visit.BREAK;
      }
    },
  });
  return found;
}

export function describeProblem({ line, message }: YamlProblem): string {
  return line === null ? message : `line ${line}: ${message}`;
}

/** The data of a YAML file, or a one-line error naming the file and the line. */
export function readYamlData(file: string, text: string): unknown {
  const { document, problems } = parseYaml(text);
  if (problems.length > 0) throw new CommandError(`${file}: ${describeProblem(problems[0]!)}`);
  return toData(file, document);
}

/** A document's data; aliases that multiply past the library's limit are an error. */
export function toData(file: string, document: Document.Parsed): unknown {
  try {
    return document.toJS();
  } catch (error) {
    throw new CommandError(`${file}: ${(error as Error).message}`);
  }
}
