// render --node X (issue 18) plans and emits X alone, and X's payload is byte-identical to the one a
// whole render makes: a node's plan must never depend on another node's.
import { describe, expect, it } from 'vitest';
import { render } from '../../src/render.js';
import { readTree } from '../../src/io/files.js';
import { prepareBundle } from '../../src/render.js';
import { EXAMPLES, FIXED_NOW, fixtureBundleDir, loadExample, renderFixture } from '../helpers/fixtures.js';

describe('render of one node', () => {
  it.each(EXAMPLES)('%s: each node alone gives its whole-render payload, and only its plan', async (name) => {
    const model = loadExample(name);
    const whole = await renderFixture(model);
    const { bundle } = await prepareBundle(model, readTree(fixtureBundleDir(model.name)), fixtureBundleDir(model.name), FIXED_NOW);
    for (const node of model.nodes) {
      const one = await render(model, bundle, node.name);
      expect(one.plans.map((p) => p.node.name)).toEqual([node.name]);
      expect([...one.payloads.keys()]).toEqual([node.name]);
      expect(one.payloads.get(node.name), node.name).toBe(whole.payloads.get(node.name));
      expect(one.ignitionConfigs.get(node.name)).toBe(whole.ignitionConfigs.get(node.name));
      expect(one.served.get(node.name)).toEqual(whole.served.get(node.name));
      // A node with no certificate of its own has no other node's leaf signed for it (at 1,000 workers
      // the control planes' leaves were ~15% of render --node); a control plane or etcd member gets the cluster's.
      const nodeLeaves = (r: typeof one) => r.pki.certificates.filter((c) => !c.name.startsWith('kubeconfig/') && c.issuer !== 'self');
      if (node.isControlPlane || node.isEtcd) expect(nodeLeaves(one)).toEqual(nodeLeaves(whole));
      else expect(nodeLeaves(one)).toEqual([]);
    }
  });
});
