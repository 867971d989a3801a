// The commented customization block of `kspray init`'s starter spec is real spec text: uncommented,
// it loads and passes every rule (and its kubelet/kube-proxy fields are upstream's).
import { expect, test } from 'vitest';
import { starterSpec } from '../src/cli/starter.js';
import { compileSpec } from '../src/compileSpec.js';

test('the starter spec, with its customization block uncommented, compiles', () => {
  const lines = starterSpec('demo').split('\n');
  const start = lines.findIndex((l) => l.trim() === '# kubelet:');
  const end = lines.findIndex((l) => l.includes('# patches:'));
  expect(start).toBeGreaterThan(0);
  const uncommented = lines.map((l, i) => (i >= start && i <= end + 1 ? l.replace(/^(\s*)# /, '$1') : l));
  const model = compileSpec(uncommented.join('\n'), 'starter.yaml');
  expect(model.custom.kubeletConfig).toMatchObject({ maxPods: 110 });
  expect(model.custom.kubeProxyConfig).toMatchObject({ ipvs: { scheduler: 'rr' } });
  expect(model.custom.patches.map((p) => p.target)).toEqual(['kube-apiserver']);
  expect(model.nodes[0]!.custom.sysctls).toEqual([['net.core.somaxconn', '65535']]);
});
