/**
 * Round-trip edits of YAML files the user may have commented and arranged by
 * hand. The yaml package's Document API finds where a collection lives; the
 * new entry, rendered by the same package, is spliced into the text there, so
 * every byte outside the added entry stays as it was. (Document.toString
 * keeps comments but moves a comment that follows a key onto its own line
 * and respaces flow collections, which is a change the user did not ask for.)
 * Each edit is checked by parsing the result: it must hold exactly the old
 * data plus the new entry.
 */
import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, isSeq, stringify, type Document, type Node, type Pair } from 'yaml';

import { CommandError } from './errors.js';
import { describeProblem, parseYaml, YAML_OPTIONS } from './yaml-read.js';

type Data = unknown;
const RENDER = { ...YAML_OPTIONS, lineWidth: 0, flowCollectionPadding: false } as const;

export class YamlEditError extends CommandError {}

function load(file: string, text: string): Document.Parsed {
  const { document, problems } = parseYaml(text);
  if (problems.length > 0) throw new YamlEditError(`${file}: ${describeProblem(problems[0]!)}`);
  return document;
}

/** The line ending a file uses, judged by its first line: new lines get the same. */
export function lineEnding(text: string): '\r\n' | '\n' {
  const newline = text.indexOf('\n');
  return newline > 0 && text[newline - 1] === '\r' ? '\r\n' : '\n';
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The offset just after the line holding offset - 1: where a new line can go. */
function afterLine(text: string, end: number): number {
  if (end > 0 && text[end - 1] === '\n') return end;
  const newline = text.indexOf('\n', end);
  return newline === -1 ? text.length : newline + 1;
}

function indentBlock(block: string, indent: number): string {
  const pad = ' '.repeat(indent);
  return block
    .trimEnd()
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n');
}

function insertLines(text: string, at: number, lines: string): string {
  const eol = lineEnding(text);
  const before = text.slice(0, at);
  const glue = before === '' || before.endsWith('\n') ? '' : eol;
  return `${before}${glue}${lines.replaceAll('\n', eol)}${eol}${text.slice(at)}`;
}

function verify(file: string, result: string, expected: Data): string {
  const { document, problems } = parseYaml(result);
  if (problems.length > 0) {
    throw new YamlEditError(`could not edit ${file} safely: ${describeProblem(problems[0]!)}`);
  }
  const actual: Data = document.toJS();
  if (!isDeepStrictEqual(actual, expected)) {
    throw new YamlEditError(
      `could not edit ${file} without changing what is there; add the entry by hand`,
    );
  }
  return result;
}

function collectionAt(document: Document.Parsed, path: string[]): Node | null {
  const node = path.length === 0 ? document.contents : document.getIn(path, true);
  return (node as Node | undefined) ?? null;
}

/** The start of the line holding offset, with the comment lines just above it. */
function withCommentsAbove(text: string, offset: number): number {
  let start = lineStart(text, offset);
  while (start > 0) {
    const previous = lineStart(text, start - 1);
    if (!text.slice(previous, start).trimStart().startsWith('#')) break;
    start = previous;
  }
  return start;
}

/**
 * Add key: value to the mapping at path (the top level when path is empty):
 * at the end, or just before the first of the keys in `before` it holds.
 */
export function addToMap(
  file: string,
  text: string,
  path: string[],
  key: string,
  value: Data,
  before: string[] = [],
) {
  const document = load(file, text);
  const expected = structuredClone(document.toJS() ?? {}) as Record<string, Data>;
  let target: Record<string, Data> = expected;
  for (const step of path) target = target[step] as Record<string, Data>;
  target[key] = value;

  const map = collectionAt(document, path);
  const entry = stringify({ [key]: value }, RENDER);
  if (map === null && path.length === 0)
    return verify(file, insertLines(text, text.length, entry), expected);
  if (!isMap(map) || map.flow || map.items.length === 0 || !map.range) {
    throw new YamlEditError(`${file}: ${path.join('.') || 'the file'} is not a block mapping`);
  }
  const first = map.items[0] as Pair<Node, Node>;
  const indent = first.key.range![0] - lineStart(text, first.key.range![0]);
  const anchor = (map.items as Pair<Node, Node>[]).find(
    (pair) => isScalar(pair.key) && before.includes(String(pair.key.value)),
  );
  if (anchor) {
    const spaced = (anchor.key as { spaceBefore?: boolean }).spaceBefore;
    const lines = indentBlock(entry, indent) + (spaced ? '\n' : '');
    return verify(
      file,
      insertLines(text, withCommentsAbove(text, anchor.key.range![0]), lines),
      expected,
    );
  }
  const last = map.items.at(-1) as Pair<Node, Node>;
  const spaced = (last.key as { spaceBefore?: boolean }).spaceBefore && map.items.length > 1;
  const at = afterLine(text, map.range[1]);
  const lines = (spaced ? '\n' : '') + indentBlock(entry, indent);
  return verify(file, insertLines(text, at, lines), expected);
}

/**
 * Append item to the sequence under a top-level key, creating the key at
 * the end of the file when it is missing or empty.
 */
export function addToSeq(file: string, text: string, key: string, item: Data): string {
  const document = load(file, text);
  const expected = structuredClone(document.toJS() ?? {}) as Record<string, Data>;
  const current = expected[key];
  if (current !== undefined && current !== null && !Array.isArray(current)) {
    throw new YamlEditError(`${file}: ${key} is not a list`);
  }
  expected[key] = [...((current as Data[] | null) ?? []), item];

  const seq = document.get(key, true) as Node | undefined;
  if (seq === undefined) {
    return verify(
      file,
      insertLines(text, text.length, stringify({ [key]: [item] }, RENDER).trimEnd()),
      expected,
    );
  }
  if (!isSeq(seq) || !seq.range) {
    throw new YamlEditError(
      `${file}: ${key} is empty; give it a list ([]) or add the entry by hand`,
    );
  }
  if (seq.flow) {
    const close = text.lastIndexOf(']', seq.range[1]);
    const rendered = stringify(item, { ...RENDER, collectionStyle: 'flow' }).trimEnd();
    const glue = seq.items.length === 0 ? '' : ', ';
    const edited = text.slice(0, close).trimEnd() + glue + rendered + text.slice(close);
    return verify(file, edited, expected);
  }
  const first = seq.items[0] as Node;
  const dash = text.lastIndexOf('-', first.range![0]);
  const indent = dash - lineStart(text, dash);
  const at = afterLine(text, seq.range[1]);
  return verify(
    file,
    insertLines(text, at, indentBlock(stringify([item], RENDER), indent)),
    expected,
  );
}

/** Replace the value of a top-level key in place, keeping its comments. */
export function replaceTopLevel(
  file: string,
  text: string,
  oldKey: string,
  newKey: string,
  value: Data,
): string {
  const document = load(file, text);
  const expected = structuredClone(document.toJS() ?? {}) as Record<string, Data>;
  const pair = isMap(document.contents)
    ? (document.contents.items.find((p) => isScalar(p.key) && p.key.value === oldKey) as
        Pair<Node, Node> | undefined)
    : undefined;
  if (!pair?.key.range || !pair.value?.range) {
    throw new YamlEditError(`${file}: no ${oldKey} to replace`);
  }
  const rebuilt: Record<string, Data> = {};
  for (const [k, v] of Object.entries(expected)) {
    if (k === oldKey) rebuilt[newKey] = value;
    else rebuilt[k] = v;
  }
  const flow = stringify(value, { ...RENDER, collectionStyle: 'flow' }).trimEnd();
  const rendered = `${newKey}: ${flow}`;
  const edited = text.slice(0, pair.key.range[0]) + rendered + text.slice(pair.value.range[1]);
  return verify(file, edited, rebuilt);
}
