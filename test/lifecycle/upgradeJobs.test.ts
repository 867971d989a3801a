// The upgrade's ConfigMap and per-node Jobs (lifecycle/upgradeJobs.ts): per-architecture downloads
// of the target version, mirrors, the pinned privileged pod, and Job names within the label limit.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { compileSpec } from '../../src/compileSpec.js';
import { kubernetesVersions } from '../../src/catalog/catalog.js';
import { upgradeConfigMap, upgradeJob, upgradeJobName } from '../../src/lifecycle/upgradeJobs.js';
import { exampleFile } from '../helpers/fixtures.js';

const TO = kubernetesVersions()[0]!;
const spec = readFileSync(exampleFile('ha'), 'utf8')
  .replace('roles: [worker], os: debian-13 }', 'roles: [worker], os: debian-13, arch: arm64 }')
  .replace('  nodes:\n', '  artifacts: { mirror: "https://files.example.internal/k8s", registry: "registry.example.internal:5000" }\n  nodes:\n');
const model = compileSpec(spec, 'cluster.yaml');
const node = (name: string) => model.nodes.find((n) => n.name === name)!;

describe('upgrade ConfigMap', () => {
  const cm = parseYaml(upgradeConfigMap(model, TO, model.nodes.filter((n) => n.kind === 'node'), '#!/usr/bin/env bash\nprogram\n')) as any;

  it('holds the program and one downloads list per architecture, mirrored, for the target version', () => {
    expect(Object.keys(cm.data).sort()).toEqual(['downloads-amd64.tsv', 'downloads-arm64.tsv', 'kspray-node.sh']);
    const rows = (arch: string) => (cm.data[`downloads-${arch}.tsv`] as string).trim().split('\n').map((l) => l.split('\t'));
    for (const arch of ['amd64', 'arm64']) {
      expect(rows(arch).map((r) => r[0])).toEqual(['kubeadm', 'kubelet', 'kubectl']);
      for (const [id, url, sha] of rows(arch)) {
        expect(url).toBe(`https://files.example.internal/k8s/dl.k8s.io/release/v${TO}/bin/linux/${arch}/${id}`);
        expect(sha).toMatch(/^[0-9a-f]{64}$/);
      }
    }
    // Different binaries, different checksums.
    expect(rows('amd64')[0]![2]).not.toBe(rows('arm64')[0]![2]);
    expect(cm.metadata).toMatchObject({ namespace: 'kube-system', labels: { 'kspray.io/upgrade-to': TO } });
  });
});

describe('upgrade Job', () => {
  it('runs on its node with its architecture\'s list, from the mirrored registry', () => {
    const job = parseYaml(upgradeJob(model, node('worker-3'), TO, 'node')) as any;
    const pod = job.spec.template.spec;
    expect(pod.nodeName).toBe('worker-3');
    expect(pod.containers[0].image).toMatch(/^registry\.example\.internal:5000\/library\/nginx:/);
    const script = pod.containers[0].command[2] as string;
    expect(script).toContain(`cp /kspray/downloads-arm64.tsv /host/var/lib/kspray/upgrade/v${TO}/downloads.tsv`);
    expect(script).toMatch(new RegExp(`--upgrade ${TO.replace(/\./g, '\\.')} node$`));
    expect(pod.volumes[1]).toEqual({ name: 'program', configMap: { name: `kspray-upgrade-${TO.replace(/\./g, '-')}` } });
    const cp1 = parseYaml(upgradeJob(model, node('cp-1'), TO, 'apply')) as any;
    expect(cp1.spec.template.spec.containers[0].command[2]).toContain('downloads-amd64.tsv');
    expect(cp1.spec.template.spec.containers[0].command[2]).toMatch(/ apply$/);
  });

  // kubeadm >= 1.32 re-deploys kube-proxy on `upgrade apply`/`upgrade node` even when init skipped it
  // (kubernetes/kubeadm#3137; Kubespray passes --skip-phases since its PR 12306): with Cilium's
  // kube-proxy replacement, both must skip addon/kube-proxy or the upgrade brings kube-proxy back.
  it('skips the kube-proxy addon on upgrade when Cilium replaces kube-proxy, and only then', () => {
    const kpr = compileSpec(readFileSync(exampleFile('ubuntu-containerd-cilium-kpr'), 'utf8'), 'cluster.yaml');
    const scriptOf = (m: typeof model, name: string, mode: 'apply' | 'node') =>
      (parseYaml(upgradeJob(m, m.nodes.find((n) => n.name === name)!, TO, mode)) as any).spec.template.spec.containers[0].command[2] as string;
    const worker = kpr.nodes.find((n) => !n.isControlPlane)!.name; // the workers pool
    expect(scriptOf(kpr, 'cp-1', 'apply')).toMatch(new RegExp(`--upgrade ${TO.replace(/\./g, '\\.')} apply --skip-phases=addon/kube-proxy$`));
    expect(scriptOf(kpr, worker, 'node')).toMatch(/ node --skip-phases=addon\/kube-proxy$/);
    expect(scriptOf(model, 'cp-1', 'apply')).not.toContain('--skip-phases');
    expect(scriptOf(model, 'worker-3', 'node')).not.toContain('--skip-phases');
  });

  it('keeps names within 63 characters, distinct for long node names', () => {
    expect(upgradeJobName('1.36.4', 'cp-1')).toBe('kspray-upgrade-1-36-4-cp-1');
    const a = upgradeJobName('1.36.4', `${'n'.repeat(50)}-a`);
    const b = upgradeJobName('1.36.4', `${'n'.repeat(50)}-b`);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(b.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});
