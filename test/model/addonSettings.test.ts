// spec.addons → the normalized addon settings of the model: Kubespray's defaults, the on/off rule
// for settings mappings, and the starter spec's commented addon lines.
import { describe, expect, it } from 'vitest';
import { starterSpec } from '../../src/cli/starter.js';
import { compileSpec } from '../../src/compileSpec.js';
import { HEAD } from '../helpers/specErrors.js';

const model = (addons: string) => compileSpec(`${HEAD}${addons}  nodes:\n    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }\n`, 'cluster.yaml');

describe('addon settings in the model', () => {
  it("all off by default, CoreDNS as kubeadm's", () => {
    const a = model('').addons;
    expect([a.dnsAutoscaler.enabled, a.helm.enabled, a.localPathProvisioner.enabled, a.registry.enabled]).toEqual([false, false, false, false]);
    expect(a.coredns).toEqual({ customized: false, upstream: ['/etc/resolv.conf'], zones: [] });
  });

  it("an empty mapping turns the addon on with Kubespray's defaults", () => {
    const a = model('  addons: { dnsAutoscaler: {}, localPathProvisioner: {}, registry: {}, helm: true }\n').addons;
    expect(a.dnsAutoscaler).toMatchObject({ enabled: true, coresPerReplica: 256, nodesPerReplica: 16, min: 2, max: 0, preventSinglePointFailure: true });
    expect(a.localPathProvisioner).toMatchObject({
      enabled: true,
      namespace: 'local-path-storage',
      storageClass: 'local-path',
      reclaimPolicy: 'Delete',
      claimRoot: '/opt/local-path-provisioner/',
      defaultClass: true,
    });
    expect(a.registry).toMatchObject({ enabled: true, namespace: 'kube-system', port: 5000, persistence: undefined });
    expect(a.helm).toMatchObject({ enabled: true, version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
  });

  it('enabled: false keeps it off; a registry claim gets 10Gi unless sized', () => {
    const a = model('  addons: { dnsAutoscaler: { enabled: false, min: 4 }, registry: { storageClass: fast } }\n').addons;
    expect(a.dnsAutoscaler.enabled).toBe(false);
    expect(a.registry.persistence).toEqual({ storageClass: 'fast', size: '10Gi' });
  });

  it('zones are normalized (case, trailing dot) and keep their own cache', () => {
    const a = model('  addons: { coredns: { zones: [{ name: Corp.Example., servers: [10.0.0.53] }, { name: b.example, servers: [10.0.0.54], cache: 0 }] } }\n').addons;
    expect(a.coredns).toEqual({
      customized: true,
      upstream: ['/etc/resolv.conf'],
      zones: [
        { name: 'corp.example', servers: ['10.0.0.53'], cache: 30 },
        { name: 'b.example', servers: ['10.0.0.54'], cache: 0 },
      ],
    });
  });

  it("`kspray init`'s commented addon lines compile once uncommented", () => {
    const starter = starterSpec('demo');
    const text = starter.replace(/^    # (helm|dnsAutoscaler|localPathProvisioner|coredns):/gm, '    $1:');
    expect(text).not.toBe(starter);
    const a = compileSpec(text, 'cluster.yaml').addons;
    expect([a.helm.enabled, a.dnsAutoscaler.enabled, a.localPathProvisioner.enabled, a.coredns.customized]).toEqual([true, true, true, true]);
  });
});
