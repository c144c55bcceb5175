/**
 * How every YAML file of a pipeline is read: as PyYAML reads it on the
 * server (YAML 1.1, merge keys and anchors resolved), with a repeated key an
 * error rather than a silent overwrite, and each syntax problem told with its
 * line.
 */
import { parseDocument, type Document, type ScalarTag, type Tags } from 'yaml';

import { CommandError } from './errors.js';

const BOOLEAN = 'tag:yaml.org,2002:bool';
// PyYAML's words for true and false: YAML 1.1's, without y and n.
const TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;

function pyyamlBooleans(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag !== 'object' || tag.tag !== BOOLEAN || 'collection' in tag) return tag;
    const scalar: ScalarTag = { ...tag, test: tag.identify?.(true) ? TRUE : FALSE };
    return scalar;
  });
}

/**
 * YAML as PyYAML reads and writes it (1.1: on, off, yes and no are booleans,
 * 017 is octal), for reading and writing alike: a string that PyYAML would
 * read as something else is written in quotes.
 */
export const YAML_OPTIONS = { version: '1.1', customTags: pyyamlBooleans } as const;

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
    message:
      error.code === 'MULTIPLE_DOCS'
        ? 'holds a second YAML document (a second ---), which the deploy refuses'
        : error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
  }));
  return { document, problems };
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
