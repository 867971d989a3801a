// An OS kspray does not support is refused where it is written, with every supported OS listed,
// both from the library (loadSpec) and through the built CLI (exit 2, file:line:col, no stack).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadSpec } from '../../src/api/loadSpec.js';
import { SUPPORTED_OS } from '../../src/api/v1alpha1/types.js';
import { exampleFile, repoRoot } from '../helpers/fixtures.js';
import { expectAt, FILE, HEAD, inputErrorOf } from '../helpers/specErrors.js';

const ALL = `Use one of: ${SUPPORTED_OS.join(', ')}.`;

describe('end-of-life releases', () => {
  test('are refused by name at the value, with the date and the nearest supported release', () => {
    for (const [os, date, instead] of [
      ['debian-11', '2026-08-31', 'debian-12'],
      ['amazonlinux-2', '2026-06-30', 'amazonlinux-2023'],
      ['amazon-linux-2', '2026-06-30', 'amazonlinux-2023'],
      ['fedora-38', '2024-05-21', 'fedora-43'],
      ['fedora-40', '2025-05-13', 'fedora-43'],
      ['ubuntu-20.04', '2025-05-31', 'ubuntu-22.04'],
      ['fedora-41', '2025-12-15', 'fedora-43'],
      ['centos-7', '2024-06-30', 'rocky-9'],
    ]) {
      const text = `${HEAD}  nodes:\n    - { name: cp-1, address: 10.0.0.11, roles: [control-plane], os: ${os} }\n`;
      const err = inputErrorOf(() => loadSpec(text, FILE));
      const p = expectAt(text, err, 'os-end-of-life', 7, 69, os!);
      expect(p.message).toBe(`os "${os}" reached its end of life on ${date}: it gets no security updates, and kspray builds no new node on it`);
      expect(p.hint).toBe(`Use ${instead}.`);
    }
  });
});

describe('unknown os', () => {
  test('the supported list names every distro family, and each one loads', () => {
    expect(SUPPORTED_OS).toEqual(
      expect.arrayContaining(['rocky-9', 'almalinux-9', 'rhel-9', 'opensuse-leap-15.6', 'amazonlinux-2023', 'rocky-10', 'almalinux-10', 'rhel-10', 'fedora-43', 'ubuntu-26.04', 'openeuler-24.03']),
    );
    for (const os of SUPPORTED_OS) {
      expect(() => loadSpec(`${HEAD}  nodes:\n    - { name: cp-1, address: 10.0.0.11, roles: [control-plane], os: ${os} }\n`, FILE), os).not.toThrow();
    }
  });

  test('on a node: points at the value, and the hint lists every supported OS', () => {
    const text = `${HEAD}  nodes:\n    - { name: cp-1, address: 10.0.0.11, roles: [control-plane], os: slackware-15 }\n`;
    const err = inputErrorOf(() => loadSpec(text, FILE));
    expect(err.problems).toHaveLength(1);
    const p = expectAt(text, err, 'invalid-value', 7, 69, 'slackware-15');
    expect(p.message).toBe('invalid value "slackware-15" for spec.nodes[0].os');
    expect(p.hint).toBe(ALL);
  });

  test('on a pool, a near miss of a supported name (rocky-8) is refused the same way', () => {
    const text = `${HEAD}  nodes:\n    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }\n  pools:\n    - name: workers\n      roles: [worker]\n      os: rocky-8\n`;
    const err = inputErrorOf(() => loadSpec(text, FILE));
    const p = expectAt(text, err, 'invalid-value', 11, 11, 'rocky-8');
    expect(p.message).toBe('invalid value "rocky-8" for spec.pools[0].os');
    expect(p.hint).toBe(ALL);
  });

  const cli = join(repoRoot, 'dist', 'cli', 'main.js');
  test('through the CLI: exit 2, file:line:col, the source line and the list', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-os-'));
    const spec = readFileSync(exampleFile('rocky-containerd-calico'), 'utf8').replace('os: rocky-9 }', 'os: slackware-15 }');
    expect(spec).toContain('os: slackware-15');
    writeFileSync(join(dir, 'cluster.yaml'), spec);
    const r = spawnSync(process.execPath, [cli, 'validate', '-f', 'cluster.yaml'], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(2);
    const line = spec.split('\n').findIndex((l) => l.includes('slackware-15')) + 1;
    expect(r.stderr).toMatch(new RegExp(`cluster\\.yaml:${line}:\\d+: error\\[invalid-value\\]: invalid value "slackware-15" for spec\\.(nodes|pools)\\[\\d+\\]\\.os`));
    expect(r.stderr).toContain(ALL);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
