// The node program's prepare-os phase per OS family (apt, dnf, zypper): it runs the real
// node/kspray-node.sh under bash with KSPRAY_ROOT at a temp dir and stateful stub commands first on
// PATH (getenforce answers what setenforce last set; `systemctl cat firewalld.service` succeeds only
// when the fake unit exists). node.env comes from osPrepareEnv, so program and OS profile are
// checked together. `--only-install` stops after the install phases (no kubeadm).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeLayout, runProgram, sha256File, stubPath, stubScript, trackedTempDirs, writeFile } from '../helpers/nodeHarness.js';
import { osPackages, osPrepareEnv, osProfile } from '../../src/plan/osProfile.js';
import { toModel } from '../../src/model/toModel.js';
import { nodeEnv } from '../../src/plan/builders/bootstrap.js';
import { loadSpec } from '../../src/api/loadSpec.js';
import { SUPPORTED_OS, type OsName } from '../../src/api/v1alpha1/types.js';

// Stateful stubs: getenforce answers what setenforce last set ($STUBS/selinux-mode);
// `systemctl cat UNIT` succeeds only if $STUBS/units/UNIT exists; package managers exit FAKE_PKG_RC.
const STUB = stubScript({
  arms: `  getenforce) cat "$STUBS/selinux-mode" 2>/dev/null || echo Disabled ;;
  setenforce) if [[ $1 == 0 ]]; then echo Permissive >"$STUBS/selinux-mode"; fi ;;
  systemctl) if [[ $1 == cat ]]; then [[ -f $STUBS/units/$2 ]] || exit 1; fi ;;
  apt-get | dnf | zypper) exit "\${FAKE_PKG_RC:-0}" ;;
  uname) echo "\${FAKE_KERNEL:-6.12.0-55.9.1.el10_0.x86_64}" ;;`,
});
const STUBS = ['curl', 'systemctl', 'apt-get', 'dnf', 'zypper', 'getenforce', 'setenforce', 'modprobe', 'sysctl', 'swapoff', 'sleep', 'uname'];
const KERNEL = '6.12.0-55.9.1.el10_0.x86_64';

const RHEL_SELINUX_CONFIG = '# This file controls the state of SELinux on the system.\nSELINUX=enforcing\nSELINUXTYPE=targeted\n';

interface Fixture {
  dir: string;
  root: string;
  stubs: string;
  env: NodeJS.ProcessEnv;
}
const tempDir = trackedTempDirs();

/** A node of `os` as its payload leaves it: node.env from osPrepareEnv, SELinux and firewalld as given. */
function node(os: OsName, opts: { selinux?: 'Enforcing' | 'Disabled'; selinuxConfig?: string; firewalld?: boolean } = {}): Fixture {
  const { dir, root, srv, stubs, calls } = nodeLayout(tempDir('kspray-prepare-'), STUBS, STUB);
  if (opts.selinux) writeFileSync(join(stubs, 'selinux-mode'), `${opts.selinux}\n`);
  if (opts.firewalld) writeFile(join(stubs, 'units/firewalld.service'), '[Unit]\n');
  if (opts.selinuxConfig !== undefined) writeFile(join(root, 'etc/selinux/config'), opts.selinuxConfig);

  const stage = join(dir, 'stage');
  for (const f of ['bin/containerd', 'cni/bridge', 'crictl/crictl']) writeFile(join(stage, f), '#!/bin/sh\n', 0o755);
  mkdirSync(srv, { recursive: true });
  execFileSync('tar', ['-czf', join(srv, 'containerd.tgz'), '-C', stage, 'bin']);
  execFileSync('tar', ['-czf', join(srv, 'cni.tgz'), '-C', join(stage, 'cni'), '.']);
  execFileSync('tar', ['-czf', join(srv, 'crictl.tgz'), '-C', join(stage, 'crictl'), 'crictl']);
  for (const b of ['runc', 'kubeadm', 'kubelet', 'kubectl']) writeFile(join(srv, b), `binary ${b}\n`);
  const dl = [['containerd', 'containerd.tgz'], ['runc', 'runc'], ['cni-plugins', 'cni.tgz'], ['crictl', 'crictl.tgz'], ['kubeadm', 'kubeadm'], ['kubelet', 'kubelet'], ['kubectl', 'kubectl']];
  writeFile(join(root, 'etc/kspray/downloads.tsv'), dl.map(([id, f]) => `${id}\thttps://files.example/${f}\t${sha256File(join(srv, f!))}\n`).join(''));
  const env = [['KSPRAY_ACTION', 'join-worker'], ...osPrepareEnv(os, 'ipvs')];
  writeFile(join(root, 'etc/kspray/node.env'), env.map(([k, v]) => `${k}='${v}'\n`).join(''), 0o600);
  writeFile(join(root, 'etc/modules-load.d/kubernetes.conf'), '# kspray\noverlay\nbr_netfilter\n');
  writeFile(join(root, 'etc/sysctl.d/99-kubernetes.conf'), 'net.ipv4.ip_forward = 1\n');

  const f: Fixture = {
    dir,
    root,
    stubs,
    env: { PATH: stubPath(stubs), HOME: dir, KSPRAY_ROOT: root, CALLS: calls, SRV: srv, STUBS: stubs },
  };
  return f;
}

/** Runs the install phases; returns the commands prepare-os ran (everything before the first download). */
function prepare(f: Fixture, extraEnv: Record<string, string> = {}) {
  const r = runProgram({ ...f.env, ...extraEnv }, ['--only-install']);
  const calls = r.calls.map((c) => c.trimEnd());
  const firstDownload = calls.findIndex((c) => c.startsWith('curl '));
  const os = (firstDownload < 0 ? calls : calls.slice(0, firstDownload)).filter((c) => !/^(swapoff|modprobe|sysctl|sleep) /.test(c));
  return { code: r.code, stderr: r.stderr, stdout: r.stdout, os, calls };
}
const status = (f: Fixture) => readFileSync(join(f.root, 'var/lib/kspray/status'), 'utf8');
const selinuxConfig = (f: Fixture) => readFileSync(join(f.root, 'etc/selinux/config'), 'utf8');

const CLOUD_INIT_OS = SUPPORTED_OS.filter((os) => osProfile(os).payload === 'cloud-init');

describe('prepare-os per OS family (node.env from osPrepareEnv)', () => {
  it('every cloud-init OS installs exactly its profile packages with its package manager, and only RHEL-like ones touch SELinux', () => {
    expect(CLOUD_INIT_OS).toEqual(
      expect.arrayContaining(['rocky-9', 'almalinux-9', 'rhel-9', 'opensuse-leap-15.6', 'amazonlinux-2023', 'debian-12', 'rocky-10', 'almalinux-10', 'rhel-10', 'fedora-43', 'openeuler-24.03', 'ubuntu-26.04']),
    );
    for (const os of CLOUD_INIT_OS) {
      const f = node(os, { selinux: 'Enforcing', selinuxConfig: RHEL_SELINUX_CONFIG, firewalld: true });
      const r = prepare(f);
      expect(r.stderr, os).toBe('');
      expect(r.code, os).toBe(0);
      // Per-kernel packages: the running kernel's build (uname -r), after the profile's.
      const kernel = osProfile(os).kernelPackages;
      const pkgs = [...osPackages(os, 'ipvs'), ...kernel.map((k) => `${k}-${KERNEL}`)].join(' ');
      const install = {
        apt: ['apt-get -q -o DPkg::Lock::Timeout=120 update', `apt-get -q -y -o DPkg::Lock::Timeout=120 install --no-install-recommends ${pkgs}`],
        dnf: [...kernel.map(() => 'uname -r'), `dnf -q -y install ${pkgs}`],
        zypper: [`zypper --non-interactive --gpg-auto-import-keys install --no-recommends ${pkgs}`],
        none: [],
      }[osProfile(os).packageManager];
      const selinux = osProfile(os).selinux === 'permissive' ? ['getenforce', 'setenforce 0'] : [];
      const firewalld = osProfile(os).disableFirewalld ? ['systemctl cat firewalld.service', 'systemctl disable --now firewalld.service'] : [];
      expect(r.os, os).toEqual([...install, ...selinux, ...firewalld]);
      expect(selinuxConfig(f), os).toBe(selinux.length ? RHEL_SELINUX_CONFIG.replace('SELINUX=enforcing', 'SELINUX=permissive') : RHEL_SELINUX_CONFIG);
    }
  });

  it('Rocky 9: dnf packages, SELinux permissive now and in /etc/selinux/config, firewalld stopped and disabled; idempotent', () => {
    const f = node('rocky-9', { selinux: 'Enforcing', selinuxConfig: RHEL_SELINUX_CONFIG, firewalld: true });
    const first = prepare(f);
    expect(first.code).toBe(0);
    expect(first.os).toEqual([
      'dnf -q -y install conntrack-tools socat ipset ipvsadm ebtables ethtool iptables tar curl ca-certificates',
      'getenforce',
      'setenforce 0',
      'systemctl cat firewalld.service',
      'systemctl disable --now firewalld.service',
    ]);
    expect(selinuxConfig(f)).toBe('# This file controls the state of SELinux on the system.\nSELINUX=permissive\nSELINUXTYPE=targeted\n');
    expect(readFileSync(join(f.stubs, 'selinux-mode'), 'utf8')).toBe('Permissive\n');

    // A second boot: every phase is done, nothing runs.
    const again = prepare(f);
    expect(again.code).toBe(0);
    expect(again.calls).toEqual([]);
    expect(again.stdout).toContain('kspray: prepare-os: done before, skipping');

    // The phase itself run again (e.g. a changed sysctl file): the same end state, no second setenforce.
    rmSync(join(f.root, 'var/lib/kspray/phases/prepare-os.done'));
    const rerun = prepare(f);
    expect(rerun.code).toBe(0);
    expect(rerun.os).toEqual([
      'dnf -q -y install conntrack-tools socat ipset ipvsadm ebtables ethtool iptables tar curl ca-certificates',
      'getenforce',
      'systemctl cat firewalld.service',
      'systemctl disable --now firewalld.service',
    ]);
    expect(selinuxConfig(f)).toBe('# This file controls the state of SELinux on the system.\nSELINUX=permissive\nSELINUXTYPE=targeted\n');
  });

  it('AlmaLinux 9 and RHEL 9 prepare exactly as Rocky; Fedora 43 too, with SELinux already permissive left as is', () => {
    for (const os of ['almalinux-9', 'rhel-9'] as const) {
      const f = node(os, { selinux: 'Enforcing', selinuxConfig: RHEL_SELINUX_CONFIG, firewalld: true });
      expect(prepare(f).os[0], os).toBe('dnf -q -y install conntrack-tools socat ipset ipvsadm ebtables ethtool iptables tar curl ca-certificates');
    }
    const fedora = node('fedora-43', { selinuxConfig: 'SELINUX=permissive\nSELINUXTYPE=targeted\n' });
    writeFileSync(join(fedora.stubs, 'selinux-mode'), 'Permissive\n');
    const r = prepare(fedora);
    expect(r.code).toBe(0);
    expect(r.os).toEqual(['dnf -q -y install conntrack-tools socat ipset ipvsadm ebtables ethtool iptables tar curl ca-certificates', 'getenforce', 'systemctl cat firewalld.service']);
    expect(selinuxConfig(fedora)).toBe('SELINUX=permissive\nSELINUXTYPE=targeted\n');
  });

  it('a disabled SELinux stays disabled (permissive would need a relabel at the next boot)', () => {
    const f = node('rocky-9', { selinux: 'Disabled', selinuxConfig: 'SELINUX=disabled\nSELINUXTYPE=targeted\n' });
    const r = prepare(f);
    expect(r.code).toBe(0);
    expect(r.os).not.toContain('setenforce 0');
    expect(selinuxConfig(f)).toBe('SELINUX=disabled\nSELINUXTYPE=targeted\n');
  });

  it('Rocky/AlmaLinux/RHEL 10: iptables-nft, no ebtables name, and the running kernel\'s kernel-modules-extra installed before any module is loaded', () => {
    for (const os of ['rocky-10', 'almalinux-10', 'rhel-10'] as const) {
      const f = node(os, { selinux: 'Enforcing', selinuxConfig: RHEL_SELINUX_CONFIG, firewalld: true });
      const r = prepare(f);
      expect(r.code, os).toBe(0);
      expect(r.os, os).toEqual([
        'uname -r',
        `dnf -q -y install conntrack-tools socat ipset ipvsadm ethtool iptables-nft tar curl ca-certificates kernel-modules-extra-${KERNEL}`,
        'getenforce',
        'setenforce 0',
        'systemctl cat firewalld.service',
        'systemctl disable --now firewalld.service',
      ]);
      // ip_vs and friends may live in kernel-modules-extra: the install comes before the first modprobe.
      const install = r.calls.findIndex((c) => c.startsWith('dnf '));
      const modprobe = r.calls.findIndex((c) => c.startsWith('modprobe '));
      expect(modprobe, os).toBeGreaterThan(0);
      expect(install, os).toBeLessThan(modprobe);
    }
    // Another kernel, another build; 9 has no per-kernel package.
    expect(prepare(node('rocky-10'), { FAKE_KERNEL: '6.12.0-124.8.1.el10_1.aarch64' }).os[1]).toMatch(/ kernel-modules-extra-6\.12\.0-124\.8\.1\.el10_1\.aarch64$/);
    expect(prepare(node('rocky-9')).calls).not.toContain('uname -r');
  });

  it('Fedora 43 and openEuler 24.03 prepare as the RHEL 9 family (dnf, SELinux permissive, firewalld off); Ubuntu 26.04 as Ubuntu', () => {
    for (const os of ['fedora-43', 'openeuler-24.03'] as const) {
      const f = node(os, { selinux: 'Enforcing', selinuxConfig: RHEL_SELINUX_CONFIG, firewalld: true });
      expect(prepare(f).os, os).toEqual([
        'dnf -q -y install conntrack-tools socat ipset ipvsadm ebtables ethtool iptables tar curl ca-certificates',
        'getenforce',
        'setenforce 0',
        'systemctl cat firewalld.service',
        'systemctl disable --now firewalld.service',
      ]);
    }
    expect(prepare(node('ubuntu-26.04', { selinux: 'Enforcing', firewalld: true })).os).toEqual([
      'apt-get -q -o DPkg::Lock::Timeout=120 update',
      'apt-get -q -y -o DPkg::Lock::Timeout=120 install --no-install-recommends conntrack socat ipset ipvsadm ebtables ethtool iptables curl ca-certificates',
    ]);
  });

  it('Amazon Linux 2023: dnf without curl (curl-minimal conflicts) or ebtables, SELinux permissive, no firewalld handling', () => {
    const f = node('amazonlinux-2023', { selinux: 'Enforcing', selinuxConfig: RHEL_SELINUX_CONFIG, firewalld: true });
    const r = prepare(f);
    expect(r.code).toBe(0);
    expect(r.os).toEqual(['dnf -q -y install conntrack-tools socat ipset ipvsadm ethtool iptables-nft tar ca-certificates', 'getenforce', 'setenforce 0']);
    expect(r.os[0]!.split(' ')).not.toContain('curl');
    expect(selinuxConfig(f)).toContain('SELINUX=permissive\n');
    expect(prepare(f).calls).toEqual([]); // second boot
  });

  it('openSUSE Leap 15.6: zypper non-interactive, AppArmor and SELinux left alone, firewalld disabled only when present', () => {
    const f = node('opensuse-leap-15.6', { selinux: 'Enforcing', firewalld: true });
    const r = prepare(f);
    expect(r.code).toBe(0);
    expect(r.os).toEqual([
      'zypper --non-interactive --gpg-auto-import-keys install --no-recommends conntrack-tools socat ipset ipvsadm ebtables ethtool iptables tar curl ca-certificates',
      'systemctl cat firewalld.service',
      'systemctl disable --now firewalld.service',
    ]);
    const without = node('opensuse-leap-15.6');
    const w = prepare(without);
    expect(w.code).toBe(0);
    expect(w.os).toEqual([
      'zypper --non-interactive --gpg-auto-import-keys install --no-recommends conntrack-tools socat ipset ipvsadm ebtables ethtool iptables tar curl ca-certificates',
      'systemctl cat firewalld.service',
    ]);
    rmSync(join(without.root, 'var/lib/kspray/phases/prepare-os.done'));
    expect(prepare(without).os).toEqual(w.os); // running the phase again changes nothing
  });

  it('Debian/Ubuntu keep apt and never look at SELinux or firewalld', () => {
    const f = node('ubuntu-22.04', { selinux: 'Enforcing', firewalld: true });
    const r = prepare(f);
    expect(r.code).toBe(0);
    expect(r.os).toEqual([
      'apt-get -q -o DPkg::Lock::Timeout=120 update',
      'apt-get -q -y -o DPkg::Lock::Timeout=120 install --no-install-recommends conntrack socat ipset ipvsadm ebtables ethtool iptables curl ca-certificates',
    ]);
  });

  it('a package install that keeps failing fails prepare-os (retried, never skipped) and nothing is downloaded', () => {
    for (const os of ['rocky-9', 'opensuse-leap-15.6'] as const) {
      const f = node(os);
      const r = prepare(f, { FAKE_PKG_RC: '1' });
      expect(r.code, os).toBe(1);
      const tool = os === 'rocky-9' ? 'dnf' : 'zypper';
      expect(r.calls.filter((c) => c.startsWith(`${tool} `)), os).toHaveLength(8);
      expect(status(f), os).toMatch(new RegExp(`^phase=prepare-os state=failed at=\\S+ msg=${tool} install conntrack-tools socat .*: gave up after 8 tries\\n$`));
      expect(r.calls.some((c) => c.startsWith('curl ')), os).toBe(false);
    }
  });

  it('kube-proxy nftables mode adds nftables to every family', () => {
    for (const os of ['rocky-9', 'opensuse-leap-15.6', 'amazonlinux-2023', 'debian-12'] as const) {
      expect(osPackages(os, 'nftables').at(-1), os).toBe('nftables');
      expect(osPackages(os, 'ipvs'), os).not.toContain('nftables');
    }
    expect(osPackages('flatcar', 'nftables')).toEqual([]);
  });
});

describe('node.env of the new distros (bootstrap builder)', () => {
  const spec = (os: string, proxyMode = 'ipvs') => `apiVersion: kspray.dev/v1alpha1
kind: Cluster
metadata: { name: demo }
spec:
  kubernetes: { version: "1.35.4", proxyMode: ${proxyMode} }
  nodes:
    - { name: cp-1, address: 10.0.0.11, roles: [control-plane], os: ${os} }
`;
  const envOf = (os: string, proxyMode?: string) => {
    const m = toModel(loadSpec(spec(os, proxyMode), 'cluster.yaml').spec, 'cluster.yaml');
    return nodeEnv(m, m.nodes[0]!);
  };

  it('tells each node its package manager, packages, SELinux and firewalld handling', () => {
    expect(envOf('rocky-9')).toContain(
      "KSPRAY_PACKAGE_MANAGER='dnf'\nKSPRAY_PACKAGES='conntrack-tools socat ipset ipvsadm ebtables ethtool iptables tar curl ca-certificates'\nKSPRAY_SELINUX='permissive'\nKSPRAY_FIREWALLD='disable'\n",
    );
    expect(envOf('amazonlinux-2023')).toContain("KSPRAY_PACKAGES='conntrack-tools socat ipset ipvsadm ethtool iptables-nft tar ca-certificates'\nKSPRAY_SELINUX='permissive'\nKSPRAY_FIREWALLD=''\n");
    expect(envOf('opensuse-leap-15.6', 'nftables')).toContain("KSPRAY_PACKAGE_MANAGER='zypper'\nKSPRAY_PACKAGES='conntrack-tools socat ipset ipvsadm ebtables ethtool iptables tar curl ca-certificates nftables'\nKSPRAY_SELINUX=''\nKSPRAY_FIREWALLD='disable'\n");
    expect(envOf('debian-12')).toContain("KSPRAY_PACKAGE_MANAGER='apt'\nKSPRAY_PACKAGES='conntrack socat ipset ipvsadm ebtables ethtool iptables curl ca-certificates'\nKSPRAY_SELINUX=''\nKSPRAY_FIREWALLD=''\n");
  });
});
