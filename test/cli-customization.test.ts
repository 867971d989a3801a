// Bad input in the customization fields, as users meet it: `kspray render` on examples/custom with one
// mistake each exits 2 at the mistake's file:line:col, prints no stack trace and writes nothing (not
// even the secrets bundle). Line and column are found in the edited text, not hard-coded.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleFile, repoRoot } from './helpers/fixtures.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');
const example = readFileSync(exampleFile('custom'), 'utf8');

interface BadCase {
  name: string;
  /** Exact text in the example, and what replaces it. */
  from: string;
  to: string;
  /** Where the caret must land: the first line holding `at`, at its column. */
  at: string;
  /** The line is the first one holding this (default: `at`). */
  within?: string;
  rule: string;
  says: RegExp;
}

const CASES: BadCase[] = [
  {
    name: 'unknown kubelet field',
    from: '      maxPods: 200\n',
    to: '      maxPod: 200\n',
    at: 'maxPod: 200',
    rule: 'component-config',
    says: /KubeletConfiguration has no field "maxPod"[\s\S]*Did you mean "maxPods"\?/,
  },
  {
    name: 'wrong type of a kubelet field',
    from: '      imageGCHighThresholdPercent: 80\n',
    to: '      imageGCHighThresholdPercent: "80"\n',
    at: '"80"',
    rule: 'component-config',
    says: /field "imageGCHighThresholdPercent" must be an integer, not string "80"/,
  },
  {
    name: 'unknown nested kube-proxy field',
    from: '      ipvs: { scheduler: lc }\n',
    to: '      ipvs: { schedular: lc }\n',
    at: 'schedular',
    rule: 'component-config',
    says: /KubeProxyConfiguration has no field "ipvs\.schedular" \(KubeProxyIPVSConfiguration[\s\S]*Did you mean "scheduler"\?/,
  },
  {
    name: 'reserved apiserver extra arg',
    from: '        oidc-client-id: kubernetes\n',
    to: '        oidc-client-id: kubernetes\n        etcd-servers: https://10.0.0.99:2379\n',
    at: 'etcd-servers',
    rule: 'extra-args',
    says: /kube-apiserver flag --etcd-servers is set by kspray and cannot be overridden: kspray sets it from spec\.etcd\.topology/,
  },
  {
    name: 'reserved kubelet config field',
    from: '      maxPods: 200\n',
    to: '      maxPods: 200\n      clusterDNS: [ 10.0.0.53 ]\n',
    at: 'clusterDNS',
    rule: 'component-config',
    says: /field "clusterDNS" is set by kspray and cannot be overridden: .*nodeLocalDNS/,
  },
  {
    name: 'a file path twice',
    from: '    - { path: /etc/motd, content: "Managed by kspray',
    to: '    - { path: /etc/kubernetes/oidc/corp-ca.pem, content: "x" }\n    - { path: /etc/motd, content: "Managed by kspray',
    at: '/etc/kubernetes/oidc/corp-ca.pem, content: "x"',
    rule: 'unique-file-paths',
    says: /file \/etc\/kubernetes\/oidc\/corp-ca\.pem is listed twice \(first at spec\.files\[0\]\.path\)/,
  },
  {
    name: 'a patch target kubeadm does not know',
    from: '    - target: etcd\n',
    to: '    - target: kube-proxy\n',
    at: 'kube-proxy',
    within: 'target: kube-proxy',
    rule: 'invalid-value',
    says: /invalid value "kube-proxy" for spec\.patches\[1\]\.target[\s\S]*kube-apiserver, kube-controller-manager, kube-scheduler, etcd, kubeletconfiguration, corednsdeployment/,
  },
  {
    // Found only when the plan is built: still exit 2 at the user's line, and still nothing written.
    name: 'a file on a path kspray writes',
    from: '    - { path: /etc/motd, content: "Managed by kspray',
    to: '    - { path: /etc/kspray/kubeadm.yaml, content: "x" }\n    - { path: /etc/motd, content: "Managed by kspray',
    at: '/etc/kspray/kubeadm.yaml',
    rule: 'file-written-by-kspray',
    says: /file \/etc\/kspray\/kubeadm\.yaml is also written by kspray's kubeadm builder/,
  },
];

describe('kspray render refuses bad customization input', () => {
  it.each(CASES)('$name: exit 2 at file:line:col, no stack, nothing written', (c) => {
    expect(example.split(c.from).length, `the example holds "${c.from.trim()}" exactly once`).toBe(2);
    const spec = example.replace(c.from, c.to);
    const dir = mkdtempSync(join(tmpdir(), 'kspray-custom-'));
    writeFileSync(join(dir, 'cluster.yaml'), spec);
    const r = spawnSync(process.execPath, [cli, 'render', '-f', 'cluster.yaml', '--out', 'outputs'], { cwd: dir, encoding: 'utf8' });
    const lines = spec.split('\n');
    const line = lines.findIndex((l) => l.includes(c.within ?? c.at));
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`cluster.yaml:${line + 1}:${lines[line]!.indexOf(c.at) + 1}: error[${c.rule}]`);
    expect(r.stderr).toMatch(c.says);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(existsSync(join(dir, 'outputs')), 'nothing written, not even the secrets bundle').toBe(false);
  });
});
