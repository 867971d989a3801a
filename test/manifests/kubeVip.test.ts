// loadBalancer: kube-vip — kubectl decodes the generated static pod into its Go type (as the
// kubelet reads it), on the init node (super-admin.conf) and a joining one (admin.conf).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeVipBuilder } from '../../src/plan/builders/kubeVip.js';
import { newPlan } from '../../src/plan/nodePlan.js';
import type { IssuedPki } from '../../src/secrets/types.js';
import { KUBECTL, hasKubectl, fileOf, modelOf, nodeNamed, run, tempDir } from './helpers.js';

describe.runIf(hasKubectl)('kube-vip static pod', () => {
  it.each(['cp-1', 'cp-2'])('kubectl decodes it (%s)', (node) => {
    const model = modelOf('  controlPlane: { loadBalancer: kube-vip, endpoint: 10.0.0.10 }');
    const file = join(tempDir(), 'kube-vip.yaml');
    const plan = newPlan(nodeNamed(model, node));
    kubeVipBuilder.build({ model, node: plan.node, pki: {} as IssuedPki, plan });
    writeFileSync(file, fileOf(plan, '/etc/kubernetes/manifests/kube-vip.yaml'));
    const r = run(KUBECTL, ['set', 'env', '--local', '-f', file, 'KSPRAY_DECODE_CHECK=1', '-o', 'yaml']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('name: kube-vip');
  });
});
