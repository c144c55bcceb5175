/**
 * The YAML the deploy reads is read by PyYAML: what mcc reads, and what it
 * writes, must mean to PyYAML what it means to mcc. Checked against PyYAML
 * itself.
 */
import { execa } from 'execa';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';

import { parseYaml, YAML_OPTIONS } from '../src/yaml-read.js';

/** PyYAML's safe_load of each text, as JSON. */
async function pyyaml(texts: string[]): Promise<unknown[]> {
  const script =
    'import json, sys, yaml\n' +
    'print(json.dumps([yaml.safe_load(text) for text in json.load(sys.stdin)]))\n';
  const { stdout } = await execa(
    'uv',
    ['run', '--no-project', '--with', 'pyyaml>=6', 'python', '-c', script],
    { input: JSON.stringify(texts), env: { UV_NATIVE_TLS: '1' } },
  );
  return JSON.parse(stdout) as unknown[];
}

const PLAIN = [
  'y',
  'Yes',
  'n',
  'off',
  'ON',
  '017',
  '0o17',
  '0:30',
  '1:30',
  '08080',
  '1e3',
  '1.5e3',
  '1.5e+3',
  '.5',
  '1_000',
  '0b11',
  '0x1F',
  '8000.0',
  '8000',
  '~',
  'null',
  'True',
  '-1',
];

describe('YAML as PyYAML reads it', () => {
  it('reads each plain value as PyYAML does', async () => {
    const texts = PLAIN.map((value) => `value: ${value}\n`);
    const ours = texts.map((text) => parseYaml(text).document.toJS());
    expect(ours).toEqual(await pyyaml(texts));
  });

  it('writes text that PyYAML reads back as the same text', async () => {
    const written = stringify([...PLAIN, '=', 'a = b', 'on'], YAML_OPTIONS);
    expect(await pyyaml([written])).toEqual([[...PLAIN, '=', 'a = b', 'on']]);
  });

  it('writes a value read from a file back as it was written', () => {
    const text = 'SMOKE_TIMEOUT: 1:30\nMODE: 0o17\nWORKERS: 017\nON: off\n';
    const { document } = parseYaml(text);
    expect(document.clone().toString()).toBe(text);
  });

  it('refuses a plain =, which PyYAML cannot load', () => {
    expect(parseYaml('RESTART_COMMAND: [sudo, =, x]\n').problems[0]?.message).toContain(
      'a plain = cannot be read by the deploy',
    );
  });
});
