// Planning a cluster costs what its nodes cost: a builder that looks through every node for each node
// (the control planes, the etcd members) made 5,000 workers cost 25 million node visits (issue 18).
// Counted, not timed: the node list is wrapped to count how often its entries are read.
import { describe, expect, it } from 'vitest';
import { compileSpec, prepareBundle } from '../../src/render.js';
import { issuePki } from '../../src/secrets/index.js';
import { planCluster } from '../../src/plan/planNode.js';
import { bigClusterSpec } from '../../src/bench/bigCluster.js';
import type { ClusterModel, NodeModel } from '../../src/model/model.js';
import { FIXED_NOW } from '../helpers/fixtures.js';

async function nodeReads(workers: number): Promise<number> {
  const model = compileSpec(bigClusterSpec(workers), `big${workers}.yaml`);
  const { bundle } = await prepareBundle(model, undefined, '/nonexistent/secrets', FIXED_NOW, false);
  const pki = await issuePki(model, bundle);
  let reads = 0;
  const nodes = new Proxy(model.nodes, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  }) as NodeModel[];
  const counted: ClusterModel = { ...model, nodes };
  expect(planCluster(counted, pki)).toHaveLength(workers + 3);
  return reads;
}

describe('planning is linear in the number of nodes', () => {
  it('twice the workers read the node list about twice as often, not four times', async () => {
    const [small, big] = [await nodeReads(40), await nodeReads(80)];
    expect(small).toBeGreaterThan(40);
    expect(big / small).toBeLessThan(2.2);
  });
});
