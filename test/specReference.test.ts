// docs/spec.md is generated from the zod schema (src/api/v1alpha1/reference.ts) and committed; this
// keeps it current (UPDATE_GOLDEN=1 rewrites it) and checks that it really lists every field.
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { specReference } from '../src/api/v1alpha1/reference.js';

const PAGE = new URL('../docs/spec.md', import.meta.url);
const expected = `${specReference()}\n`;
if (process.env.UPDATE_GOLDEN === '1') writeFileSync(PAGE, expected);

test('docs/spec.md equals specReference()', () => {
  expect(readFileSync(PAGE, 'utf8'), 'docs/spec.md is stale: run UPDATE_GOLDEN=1 npx vitest run test/specReference.test.ts').toBe(expected);
});

test('lists the customization fields with their types and defaults', () => {
  const rows = new Map(
    expected
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => {
        const cells = l.split(/(?<!\\)\|/).map((c) => c.trim());
        return [cells[1]!.replace(/`/g, ''), { type: cells[2]!, default: cells[3]! }];
      }),
  );
  expect(rows.get('spec.patches[].target')?.type).toContain('`kubeletconfiguration`');
  expect(rows.get('spec.patches[].target')?.default).toBe('required');
  expect(rows.get('spec.patches[].type')?.default).toBe("strategic (kubeadm's default)");
  expect(rows.get('spec.kubelet.config')?.type).toBe('map of any');
  expect(rows.get('spec.controlPlane.apiServer.extraVolumes[].pathType')?.type).toContain('`DirectoryOrCreate`');
  expect(rows.get('spec.nodes[].kubelet.extraArgs')?.type).toBe('map of string');
  expect(rows.get('spec.pools[].sysctls')?.type).toBe('map of string or integer');
  expect(rows.get('spec.kubernetes.nodeCidrMaskSize')).toEqual({ type: 'integer (16–28)', default: '24' });
  expect(rows.get('spec.kubernetes.nodeCidrMaskSizeIPv6')).toEqual({ type: 'integer (48–124)', default: '120' });
  expect(rows.get('spec.etcd.extraArgs')).toBeDefined();
  expect(rows.get('spec.files[].mode')?.default).toBe('"0644"');
});
