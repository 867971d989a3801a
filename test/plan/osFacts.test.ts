// The OS facts in code against their sources, vendored unmodified under data/distros/ (SOURCE.md
// there): package names against Kubespray's system_packages, evaluated for each OS as Ansible would
// with that OS's facts; the Fedora and Rocky images against the ones Kubespray's CI boots; the RHEL 10
// family's kernel-modules-extra and openEuler's cgroup v1 against what Kubespray says and does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_OS, bootsCgroupV1, type OsName } from '../../src/api/v1alpha1/types.js';
import { osPackages, osProfile } from '../../src/plan/osProfile.js';
import { DISTROS } from '../../src/emit/packer/distros.js';
import { repoRoot } from '../helpers/fixtures.js';
import { ciScenario } from '../helpers/kubesprayCi.js';

const vendored = (rel: string) => readFileSync(join(repoRoot, 'data', 'distros', 'kubespray', rel), 'utf8');
const systemPackages = parse(vendored('roles/system_packages/vars/main.yml')) as { pkgs: Record<string, string[]> };
const ciImages = (parse(vendored('test-infra/image-builder/roles/kubevirt-images/defaults/main.yml')) as { images: Record<string, { url: string }> }).images;

/** Ansible facts of a node of this OS (what Kubespray's conditions read). */
const FACTS: Partial<Record<OsName, { family: string; distribution: string; major: string }>> = {
  'ubuntu-22.04': { family: 'Debian', distribution: 'Ubuntu', major: '22' },
  'ubuntu-24.04': { family: 'Debian', distribution: 'Ubuntu', major: '24' },
  'ubuntu-26.04': { family: 'Debian', distribution: 'Ubuntu', major: '26' },
  'debian-12': { family: 'Debian', distribution: 'Debian', major: '12' },
  'debian-13': { family: 'Debian', distribution: 'Debian', major: '13' },
  'rocky-9': { family: 'RedHat', distribution: 'Rocky', major: '9' },
  'almalinux-9': { family: 'RedHat', distribution: 'AlmaLinux', major: '9' },
  'rhel-9': { family: 'RedHat', distribution: 'RedHat', major: '9' },
  'rocky-10': { family: 'RedHat', distribution: 'Rocky', major: '10' },
  'almalinux-10': { family: 'RedHat', distribution: 'AlmaLinux', major: '10' },
  'rhel-10': { family: 'RedHat', distribution: 'RedHat', major: '10' },
  'fedora-43': { family: 'RedHat', distribution: 'Fedora', major: '43' },
  'openeuler-24.03': { family: 'RedHat', distribution: 'openEuler', major: '24' },
  'amazonlinux-2023': { family: 'RedHat', distribution: 'Amazon', major: '2023' },
  'opensuse-leap-15.6': { family: 'Suse', distribution: 'openSUSE Leap', major: '15' },
};

/** One of system_packages' conditions ("{{ ... }}"), as Jinja would evaluate it for these facts. */
function condition(expr: string, os: OsName, proxyMode: string): boolean {
  const f = FACTS[os]!;
  const vars: Record<string, unknown> = {
    ansible_os_family: f.family,
    ansible_distribution: f.distribution,
    ansible_distribution_major_version: f.major,
    kube_proxy_mode: proxyMode,
    kube_proxy_remove: false,
    group_names: ['k8s_cluster', 'kube_node'],
    ntp_enabled: false,
    ntp_package: 'ntp',
    kata_containers_enabled: false,
    ping_access_ip: true,
    is_fedora_coreos: false,
  };
  let js = expr.replace(/^\{\{\s*|\s*\}\}$/g, '');
  // Only the openSUSE 15.4 version tests and main_access_ip use these; neither applies to these facts.
  js = js.replace(/ansible_distribution_version is version\([^)]*\)/g, 'false').replace(/\w+ is defined/g, 'false');
  js = js.replace(/(not )?('[^']*'|\w+) in (\[[^\]]*\]|\w+)/g, (_m, not: string | undefined, a: string, b: string) => `${not ? '!' : ''}(${b}).includes(${a})`);
  js = js.replace(/\bnot\b/g, '!').replace(/\band\b/g, '&&').replace(/\bor\b/g, '||').replace(/==/g, '===').replace(/!=(?!=)/g, '!==');
  return Boolean(new Function(...Object.keys(vars), `return (${js});`)(...Object.values(vars)));
}

/** What Kubespray installs on this OS, of the tools kubeadm, kube-proxy and the node program use. */
const TOOLS = new Set(['conntrack', 'conntrack-tools', 'socat', 'ipvsadm', 'ebtables', 'iptables', 'tar', 'curl', 'nftables']);
function kubesprayPackages(os: OsName, proxyMode: string): string[] {
  return Object.entries(systemPackages.pkgs)
    .filter(([name, conds]) => TOOLS.has(name) && conds.every((c) => condition(c, os, proxyMode)))
    .map(([name]) => name);
}

// kspray's differences from Kubespray's names, each with its reason (osProfile.ts says more):
// - dnf systems get conntrack-tools by name (the RedHat repositories provide `conntrack` through it);
// - AL2023 and the 10s: iptables is iptables-nft, no ebtables (kubeadm no longer checks for it);
// - AL2023: the image's curl-minimal serves (curl conflicts with it).
const RENAMES: Partial<Record<OsName, Record<string, string | null>>> = {
  'amazonlinux-2023': { iptables: 'iptables-nft', ebtables: null, curl: null },
  'rocky-10': { iptables: 'iptables-nft', ebtables: null },
  'almalinux-10': { iptables: 'iptables-nft', ebtables: null },
  'rhel-10': { iptables: 'iptables-nft', ebtables: null },
};
// What kspray installs beyond Kubespray's list: ethtool (kubeadm's preflight), ca-certificates (the
// node program's HTTPS downloads), ipset always (Calico, Cilium and kube-router use ipsets, also in
// ipvs mode), and ipvsadm in every proxy mode (one list per family, not per mode).
const ksprayAdds = (mode: string) => ['ethtool', 'ca-certificates', 'ipset', ...(mode === 'ipvs' ? [] : ['ipvsadm'])];
// tar is Essential on Debian and Ubuntu (always installed): the apt list leaves it out.
const APT_RENAMES = { tar: null };

describe("OS package names come from Kubespray's system_packages", () => {
  const withPackages = SUPPORTED_OS.filter((os) => osProfile(os).packageManager !== 'none');

  it('every OS with a package manager has its Ansible facts here', () => {
    expect(withPackages.filter((os) => !FACTS[os])).toEqual([]);
  });

  it.each(withPackages.flatMap((os) => (['ipvs', 'nftables'] as const).map((mode) => [os, mode] as const)))('%s (%s mode): Kubespray\'s names, renamed only where documented', (os, mode) => {
    const manager = osProfile(os).packageManager;
    const renames = { ...(manager === 'dnf' ? { conntrack: 'conntrack-tools' } : manager === 'apt' ? APT_RENAMES : {}), ...RENAMES[os] };
    const expected = kubesprayPackages(os, mode)
      .map((p) => (p in renames ? renames[p as keyof typeof renames] : p))
      .filter((p): p is string => p !== null);
    const kspray = osPackages(os, mode).filter((p) => !ksprayAdds(mode).includes(p));
    expect([...new Set(kspray)].sort()).toEqual([...new Set(expected)].sort());
  });

  it('the evaluator reads the conditions (a wrong fact changes the result)', () => {
    // openEuler gets conntrack-tools and not conntrack from Kubespray; as a plain RedHat it would not.
    expect(kubesprayPackages('openeuler-24.03', 'ipvs')).toContain('conntrack-tools');
    expect(kubesprayPackages('openeuler-24.03', 'ipvs')).not.toContain('conntrack');
    expect(kubesprayPackages('rocky-10', 'ipvs')).toContain('conntrack');
    expect(kubesprayPackages('debian-12', 'ipvs')).toContain('ipvsadm');
    expect(kubesprayPackages('debian-12', 'iptables')).not.toContain('ipvsadm');
  });
});

describe("the cloud images Kubespray's CI boots", () => {
  it('Fedora 43: the same release qcow2', () => {
    expect(DISTROS['fedora-43'].qemu.url('amd64')).toBe(ciImages['fedora-43']!.url);
  });

  it("Rocky 10: the GenericCloud Base image of the rocky/10 tree (kspray follows the release's latest link, the CI pins a build)", () => {
    const ci = new URL(ciImages['rockylinux-10']!.url);
    const ours = new URL(DISTROS['rocky-10'].qemu.url('amd64'));
    expect(ci.pathname).toMatch(/^\/pub\/rocky\/10\.\d+\/images\/x86_64\/Rocky-10-GenericCloud-Base-/);
    expect(ours.pathname).toBe('/pub/rocky/10/images/x86_64/Rocky-10-GenericCloud-Base.latest.x86_64.qcow2');
  });
});

describe('what Kubespray says and does about the new distributions', () => {
  it('Rocky 10 cloud images lack kernel-modules-extra (docs/operating_systems/rhel.md): the 10s install it, the 9s do not', () => {
    const rocky10 = vendored('docs/operating_systems/rhel.md').split('## Rocky Linux 10')[1]!;
    expect(rocky10).toContain('does not include `kernel-modules-extra`');
    for (const os of ['rocky-10', 'almalinux-10', 'rhel-10'] as const) expect(osProfile(os).kernelPackages, os).toEqual(['kernel-modules-extra']);
    for (const os of ['rocky-9', 'almalinux-9', 'rhel-9', 'fedora-43', 'openeuler-24.03'] as const) expect(osProfile(os).kernelPackages, os).toEqual([]);
  });

  it('openEuler runs with kubelet_fail_cgroup_v1: false in Kubespray\'s CI: it is kspray\'s one cgroup v1 OS', () => {
    const s = ciScenario('openeuler24-calico');
    expect(s.cloudImage).toBe('openeuler-2403');
    expect(s.vars.kubelet_fail_cgroup_v1).toBe(false);
    expect(SUPPORTED_OS.filter((os) => bootsCgroupV1(os))).toEqual(['openeuler-24.03']);
  });
});
