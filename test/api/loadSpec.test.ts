// Shape errors from the spec/ stage: each test feeds a spec that is wrong in exactly one way and
// checks the rule name, the exact file:line:col it maps to, and what the CLI prints (source line
// and a caret under the column).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { EXIT_INPUT, formatError, reportError } from '../../src/cli/report.js';
import { KsprayError } from '../../src/errors/errors.js';
import { loadSpec } from '../../src/api/loadSpec.js';
import { clusterSpec } from '../../src/api/v1alpha1/types.js';
import { expectAt, FILE, HEAD, inputErrorOf } from '../helpers/specErrors.js';

const CP = '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }';

function loadError(text: string): KsprayError {
  return inputErrorOf(() => loadSpec(text, FILE));
}

describe('loadSpec shape errors', () => {
  test('unknown key (typo) points at the key and suggests the right one', () => {
    const text = `${HEAD}  kubernetes:\n    verison: "1.36.4"\n  nodes:\n${CP}\n`;
    const err = loadError(text);
    expect(err.problems).toHaveLength(1);
    const p = expectAt(text, err, 'unknown-key', 7, 5, 'verison:');
    expect(p.path).toEqual(['spec', 'kubernetes', 'verison']);
    expect(p.atKey).toBe(true);
    expect(p.hint).toBe('Did you mean "version"?');
  });

  test('unknown key in a flow mapping of a list item, together with the field it replaced', () => {
    const text = `${HEAD}  nodes:\n    - { name: cp-1, adress: 10.0.0.11, roles: [control-plane] }\n`;
    const err = loadError(text);
    expect(err.problems.map((p) => p.rule).sort()).toEqual(['invalid-type', 'unknown-key']);
    expect(expectAt(text, err, 'unknown-key', 7, 21, 'adress:').hint).toBe('Did you mean "address"?');
    // The missing required field maps to the node it is missing from.
    expectAt(text, err, 'invalid-type', 7, 7, '{ name: cp-1');
    expect(formatError(err)).toContain('2 problems found.');
  });

  test('unknown key with no close match lists the allowed keys', () => {
    const text = `${HEAD}  addons:\n    dashboard: true\n  nodes:\n${CP}\n`;
    const err = loadError(text);
    const p = expectAt(text, err, 'unknown-key', 7, 5, 'dashboard:');
    // Every key the schema declares under spec.addons, in schema order (addons are added over time).
    const addonKeys = Object.keys(clusterSpec.shape.spec.shape.addons.unwrap().shape);
    expect(addonKeys.slice(0, 2)).toEqual(['nodeLocalDNS', 'metricsServer']);
    expect(p.hint).toBe(`Allowed keys: ${addonKeys.join(', ')}.`);
  });

  test.each(['ingressNginx', 'ingress_nginx', 'ingress-nginx'])('a Kubespray addon kspray withdrew (%s) says why, not just "unknown key"', (key) => {
    const text = `${HEAD}  addons:\n    ${key}: true\n  nodes:\n${CP}\n`;
    const p = expectAt(text, loadError(text), 'unknown-key', 7, 5, `${key}:`);
    expect(p.hint).toContain('ingress-nginx is retired upstream');
    expect(p.hint).toContain('kubespray#12767');
  });

  test('bad enum value points at the value and lists the allowed ones', () => {
    const text = `${HEAD}  kubernetes:\n    proxyMode: ipvsx\n  nodes:\n${CP}\n`;
    const err = loadError(text);
    expect(err.problems).toHaveLength(1);
    const p = expectAt(text, err, 'invalid-value', 7, 16, 'ipvsx');
    expect(p.path).toEqual(['spec', 'kubernetes', 'proxyMode']);
    expect(p.message).toBe('invalid value "ipvsx" for spec.kubernetes.proxyMode');
    expect(p.hint).toBe('Use one of: ipvs, iptables, nftables.');
  });

  test('bad enum value inside a flow sequence points at the item', () => {
    const text = `${HEAD}  nodes:\n    - { name: cp-1, address: 10.0.0.11, roles: [controlplane] }\n`;
    const err = loadError(text);
    const p = expectAt(text, err, 'invalid-value', 7, 49, 'controlplane');
    expect(p.message).toBe('invalid value "controlplane" for spec.nodes[0].roles[0]');
    expect(p.path).toEqual(['spec', 'nodes', 0, 'roles', 0]);
    expect(p.hint).toBe('Use one of: control-plane, etcd, worker.');
  });

  test('unquoted version number (a YAML float) says to quote it', () => {
    const text = `${HEAD}  kubernetes:\n    version: 1.35\n  nodes:\n${CP}\n`;
    const err = loadError(text);
    expect(err.problems).toHaveLength(1);
    const p = expectAt(text, err, 'invalid-type', 7, 14, '1.35');
    expect(p.message).toBe('spec.kubernetes.version must be a string, not number 1.35');
    expect(p.hint).toMatch(/^Quote the value/);
  });

  test('wrong type: a mapping where a list is expected', () => {
    const text = `${HEAD}  nodes:\n    name: cp-1\n`;
    const err = loadError(text);
    const p = expectAt(text, err, 'invalid-type', 7, 5, 'name: cp-1');
    expect(p.message).toBe('spec.nodes must be a list, not a mapping');
  });

  test('missing required field maps to the mapping it is missing from', () => {
    const text = `${HEAD}  nodes:\n    - name: cp-1\n      roles: [control-plane]\n`;
    const err = loadError(text);
    expect(err.problems).toHaveLength(1);
    const p = expectAt(text, err, 'invalid-type', 7, 7, 'name: cp-1');
    expect(p.path).toEqual(['spec', 'nodes', 0, 'address']);
    expect(p.message).toBe('spec.nodes[0].address must be a string and is missing');
    expect(p.hint).toBe('Add it.');
  });

  test('missing metadata.name', () => {
    const text = `apiVersion: kspray.dev/v1alpha1\nkind: Cluster\nmetadata: {}\nspec:\n  nodes:\n${CP}\n`;
    const err = loadError(text);
    const p = expectAt(text, err, 'invalid-type', 3, 11, '{}');
    expect(p.message).toBe('metadata.name must be a string and is missing');
  });

  test('YAML syntax error has a position without a spec path', () => {
    const text = `${HEAD}  kubernetes: version: "1.36.4"\n  nodes:\n${CP}\n`;
    const err = loadError(text);
    expect(err.problems).toHaveLength(1);
    const p = expectAt(text, err, 'yaml-syntax', 6, 15, 'version:');
    expect(p.path).toBeUndefined();
    expect(p.message).toBe('YAML syntax error: Nested mappings are not allowed in compact mappings');
  });

  test('YAML syntax error: tab indentation', () => {
    const text = `${HEAD}  kubernetes:\n\tversion: "1.36.4"\n`;
    const err = loadError(text);
    const p = expectAt(text, err, 'yaml-syntax', 7, 1, '\tversion');
    expect(p.message).toBe('YAML syntax error: Tabs are not allowed as indentation');
  });

  test('duplicate YAML key points at the second occurrence', () => {
    const text = `${HEAD}  kubernetes:\n    version: "1.36.4"\n    version: "1.35.4"\n  nodes:\n${CP}\n`;
    const err = loadError(text);
    expect(err.problems).toHaveLength(1);
    const p = expectAt(text, err, 'yaml-syntax', 8, 5, 'version: "1.35.4"');
    expect(p.message).toBe('YAML syntax error: Map keys must be unique');
  });

  test('wrong apiVersion points at its value', () => {
    const text = `apiVersion: kspray.dev/v1beta1\nkind: Cluster\nmetadata:\n  name: demo\nspec:\n  nodes:\n${CP}\n`;
    const err = loadError(text);
    expect(err.problems).toHaveLength(1);
    const p = expectAt(text, err, 'api-version', 1, 13, 'kspray.dev/v1beta1');
    expect(p.message).toBe('apiVersion "kspray.dev/v1beta1" is not supported');
    expect(p.hint).toBe('Use apiVersion: kspray.dev/v1alpha1.');
  });

  test('missing apiVersion is reported at the document', () => {
    const text = `kind: Cluster\nmetadata:\n  name: demo\nspec:\n  nodes:\n${CP}\n`;
    const err = loadError(text);
    const p = expectAt(text, err, 'invalid-value', 1, 1, 'kind: Cluster');
    expect(p.path).toEqual(['apiVersion']);
    expect(p.message).toBe('apiVersion is missing');
    expect(p.hint).toBe('Use one of: kspray.dev/v1alpha1.');
  });

  test('wrong kind', () => {
    const text = `apiVersion: kspray.dev/v1alpha1\nkind: Clustr\nmetadata:\n  name: demo\nspec: {}\n`;
    const err = loadError(text);
    expect(expectAt(text, err, 'invalid-value', 2, 7, 'Clustr').hint).toBe('Use one of: Cluster.');
  });

  test('a document that is not a mapping', () => {
    const err = loadError('- a\n- b\n');
    expect(err.kind).toBe('input');
    expect(err.problems.map((p) => p.rule)).toEqual(['not-a-mapping']);
    expect(formatError(err)).toMatch(/^cluster\.yaml: error\[not-a-mapping\]/);
  });

  test('several shape problems are all reported at once', () => {
    const text = [
      HEAD.trimEnd(),
      '  kubernetes:',
      '    version: 1.35', // 7
      '    proxyMode: ipvsx', // 8
      '  pki:',
      '    algoritm: RSA-2048', // 10
      '  nodes:',
      CP,
      '',
    ].join('\n');
    const err = loadError(text);
    expect(err.problems.map((p) => p.rule).sort()).toEqual(['invalid-type', 'invalid-value', 'unknown-key']);
    expectAt(text, err, 'invalid-type', 7, 14, '1.35');
    expectAt(text, err, 'invalid-value', 8, 16, 'ipvsx');
    expect(expectAt(text, err, 'unknown-key', 10, 5, 'algoritm').hint).toBe('Did you mean "algorithm"?');
    expect(formatError(err)).toMatch(/\n\n3 problems found\.$/);
  });

  test('the CLI maps a shape error to exit code 2, without a stack trace', () => {
    const err = loadError(`${HEAD}  kubernetes:\n    proxyMode: ipvsx\n`);
    let printed = '';
    expect(reportError(err, (s) => (printed += s))).toBe(EXIT_INPUT);
    expect(printed).toContain('cluster.yaml:7:16: error[invalid-value]');
    expect(printed).not.toMatch(/\n\s+at /);
  });
});

describe('loadSpec on valid specs', () => {
  test.each(['single', 'ha'])('examples/%s/cluster.yaml loads', (name) => {
    const file = new URL(`../../examples/${name}/cluster.yaml`, import.meta.url);
    const { spec, source } = loadSpec(readFileSync(file, 'utf8'), `examples/${name}/cluster.yaml`);
    expect(spec.metadata.name).toBe(name);
    expect(source.locate(['metadata', 'name']).line).toBeGreaterThan(1);
  });

  test('a spec path to something the user did not write maps to its deepest written ancestor', () => {
    const text = `${HEAD}  kubernetes:\n    version: "1.36.4"\n  nodes:\n${CP}\n`;
    const { source } = loadSpec(text, FILE);
    expect(source.locate(['spec', 'kubernetes', 'podSubnet'])).toEqual({ line: 7, col: 5 });
    expect(source.locate(['spec', 'nodes', 0, 'address'])).toEqual({ line: 9, col: 30 });
    expect(source.locate(['spec', 'nodes', 0, 'address'], true)).toEqual({ line: 9, col: 21 });
    expect(source.locate(['spec', 'nodes', 5])).toEqual({ line: 9, col: 5 });
    expect(source.lineText(9)).toBe(CP);
  });
});
