// Promise: what kspray emits as YAML reads back unchanged in cloud-init, which parses YAML 1.1
// (PyYAML's SafeLoader through cloudinit.util.load_yaml). YAML 1.1 turns on/off/yes/no/y/n into
// booleans, 0644 and 010 into octal ints, 1:30 into a base-60 int, 1e3 / 0x1F into numbers and
// ~ / null into None, so every such string must be quoted by the serializer. This runs the real
// reader from the extracted cloud-init tree (.ci/run; KSPRAY_CLOUD_INIT_ROOT), not our own parser.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { toYaml, toYamlStream } from '../../src/text/yaml.js';
import { emitCloudInit } from '../../src/emit/cloudInit.js';
import { newPlan, addFile } from '../../src/plan/nodePlan.js';
import { loadExample } from '../helpers/fixtures.js';
import { haveTool, tool } from '../helpers/validators.js';

/** The list, their case variants, and neighbours PyYAML's 1.1 resolver also matches. */
export const YAML11_SENSITIVE = [
  'on', 'off', 'yes', 'no', 'y', 'n', 'On', 'OFF', 'Yes', 'NO', 'Y', 'N', 'true', 'False', 'TRUE',
  '0644', '0600', '010', '0o17', '0b101', '1:30', '190:20:30', '-1:30', '1:30.5',
  '1e3', '1E3', '1.0e+3', '12e03', '.5', '1_000', '+1', '-0', '0.', '.inf', '-.Inf', '.NaN',
  '~', 'null', 'Null', 'NULL', '', '0x1F', '0xdeadbeef', '+0x1F', '-0x1F',
  '2001-12-14', '2001-12-14t21:59:43.10-05:00', '=', '<<',
  ' leading space', 'trailing space ', '#not a comment', 'a: b', '- item', '[flow]', '{flow}', '&anchor', '*alias', '!tag',
  '%directive', '@at', '`tick', '|', '>', "'single'", '"double"', 'multi\nline\n', 'tab\there', '\ttab first', 'multi\n\ttabbed\nlines', 'ünïcödé',
];

function cloudInitRead(texts: string[]): unknown[] {
  const root = tool('cloud-init');
  const r = spawnSync(tool('python3'), [join(import.meta.dirname, '..', 'helpers', 'cloudInitYaml.py')], {
    input: JSON.stringify(texts),
    env: { ...process.env, PYTHONPATH: join(root, 'usr/lib/python3/dist-packages') },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as unknown[];
}

describe('the YAML emitter, read back by cloud-init 22.4 (YAML 1.1)', () => {
  it.runIf(haveTool('cloud-init'))('keeps every YAML-1.1-sensitive string a string: as value, list item and key', () => {
    const asValues = Object.fromEntries(YAML11_SENSITIVE.map((v, i) => [`k${i}`, v]));
    const asKeys = Object.fromEntries(YAML11_SENSITIVE.filter((v) => v !== '<<').map((v) => [v, v]));
    const docs = [asValues, { list: YAML11_SENSITIVE }, asKeys, { nested: { deeper: [{ v: YAML11_SENSITIVE }] } }];
    const back = cloudInitRead(docs.map((d) => toYaml(d)));
    expect(back).toEqual(docs);
  });

  it.runIf(haveTool('cloud-init'))('keeps them in a #cloud-config: write_files content, path and permissions', () => {
    const node = loadExample('single').nodes[0]!;
    const plan = newPlan(node);
    YAML11_SENSITIVE.forEach((v, i) => addFile(plan, { path: `/etc/kspray/test-${i}`, content: v, mode: 0o600, builder: 'test', origin: ['spec'] }));
    addFile(plan, { path: '/etc/kspray/on', content: 'yes\n', mode: 0o644, builder: 'test', origin: ['spec'] });
    const [config] = cloudInitRead([emitCloudInit(plan)]) as Array<{ write_files: Array<{ path: string; content: string; permissions: string }> }>;
    const byPath = new Map(config!.write_files.map((f) => [f.path, f]));
    YAML11_SENSITIVE.forEach((v, i) => {
      expect(byPath.get(`/etc/kspray/test-${i}`), JSON.stringify(v)).toEqual({ path: `/etc/kspray/test-${i}`, owner: 'root:root', permissions: '0600', content: v });
    });
    expect(byPath.get('/etc/kspray/on')!.permissions).toBe('0644');
    expect(byPath.get('/etc/kspray/on')!.content).toBe('yes\n');
  });

  it.runIf(haveTool('cloud-init'))('round-trips multi-document streams (kubeadm configs, manifests) as written', () => {
    const docs = [{ a: 'on', b: ['0644', '1:30'] }, { c: '~', d: '0x1F' }];
    const stream = toYamlStream(docs);
    const back = cloudInitRead(stream.split('---\n'));
    expect(back).toEqual(docs);
  });

});
