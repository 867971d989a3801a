// Where things go on each OS kspray supports, and what the OS already brings. Builders and the
// node program (through node.env) read this; nothing else branches on the OS name.
//
// - Ubuntu/Debian: cloud-init; binaries in /usr/local/bin; containerd and runc from the catalog; apt.
// - Flatcar: Ignition; /usr is read-only (dm-verity), so binaries go to /opt/bin; containerd and
//   runc are part of the OS (/usr/bin), configured through /etc/containerd/config.toml and a
//   drop-in pointing containerd.service at it (Flatcar's "Customizing containerd" docs); the tools
//   kubeadm needs (conntrack, socat, ipset, ethtool, ebtables, iptables) are in the image.
// - Fedora CoreOS: Ignition; /usr is read-only (OSTree) but /usr/local is /var/usrlocal and
//   writable, so the Ubuntu layout works; FCOS ships neither a containerd service nor CRI-O, and
//   package layering (rpm-ostree) needs a reboot, so containerd, runc and the CNI plugins come
//   from the catalog's static release binaries exactly as on Ubuntu. No package manager is used.
// - Rocky/AlmaLinux/RHEL 9, Fedora 43, Amazon Linux 2023: cloud-init, the Ubuntu layout (catalog
//   containerd and runc, /usr/local/bin), dnf for the few OS packages. SELinux is set permissive
//   (Kubespray's default selinux_state): the catalog containerd labels nothing. firewalld, where the
//   image has it, is stopped and disabled — kspray's choice (Kubespray leaves it to the optional
//   contrib/os-services role, disable_service_firewall, off by default) — since it would drop pod and
//   service traffic the CNI and kube-proxy route. RHEL needs a registered or cloud (RHUI)
//   repository setup for dnf to work: kspray does not register systems.
// - Rocky/AlmaLinux/RHEL 10: as 9, but the cloud images lack kernel-modules-extra (Kubespray's
//   docs/operating_systems/rhel.md: "Both Kube Proxy and CNI rely on this package"), so prepare-os
//   installs the running kernel's build of it before loading modules; iptables is iptables-nft (RHEL
//   ships no legacy iptables), named as such. x86_64 builds need an x86-64-v3 CPU (emit/packer).
// - openEuler 24.03 LTS: dnf and Kubespray's RedHat-family handling (its bootstrap_os imports the
//   CentOS tasks); it boots with cgroup v1, which the kubelet refuses from Kubernetes 1.35 unless
//   failCgroupV1 is false (CGROUP_V1_OS; model/rules.ts: os-cgroup-v1).
// - openSUSE Leap 15.6: cloud-init, the same layout, zypper. AppArmor (its default LSM) is left alone:
//   the catalog containerd runs pods unconfined unless a profile is asked for.
import type { ClusterModel } from '../model/model.js';
import type { OsName } from '../api/v1alpha1/types.js';
import { IGNITION_OS } from '../api/v1alpha1/types.js';

export interface OsProfile {
  payload: 'cloud-init' | 'ignition';
  /** kubeadm, kubelet, kubectl, crictl (and containerd when installed by kspray). */
  binDir: string;
  /** Where the node program itself lives. */
  libDir: string;
  /** runc binary containerd runs. */
  runc: string;
  /** false: the OS ships containerd and runc; kspray only configures them. */
  installContainerd: boolean;
  /** Package manager the prepare-os phase may use for conntrack, socat... ('none': in the image). */
  packageManager: 'apt' | 'dnf' | 'zypper' | 'none';
  /** What kubeadm and kube-proxy need from the OS, in this family's package names (proxy mode aside). */
  packages: readonly string[];
  /** 'permissive': prepare-os runs setenforce 0 and sets SELINUX=permissive (RHEL family, Fedora, AL2023). */
  selinux: 'permissive' | 'leave';
  /** true: the image may ship firewalld; prepare-os stops and disables it if present. */
  disableFirewalld: boolean;
  /** The default user that gets spec.ssh.authorizedKeys on Ignition systems. */
  defaultUser: string;
  /**
   * Packages built per kernel that the modules kspray loads need: prepare-os installs the running
   * kernel's build (NAME-$(uname -r)) before modprobe, since a newer build's modules would only load
   * after a reboot.
   */
  kernelPackages: readonly string[];
}

// Package names per family, after Kubespray's system_packages (vars/main.yml, vendored with the other
// OS facts' sources in data/distros/; test/plan/osFacts.test.ts checks these lists against it), which its CI installs
// on each of these distros (dnf and zypper resolve iptables and ebtables through provides): the binaries are conntrack, socat, ipset, ipvsadm, ebtables, ethtool, iptables, tar,
// curl and the CA bundle; nftables is added for kube-proxy's nftables mode (osPackages).
const APT_PACKAGES = ['conntrack', 'socat', 'ipset', 'ipvsadm', 'ebtables', 'ethtool', 'iptables', 'curl', 'ca-certificates'];
const DNF_PACKAGES = ['conntrack-tools', 'socat', 'ipset', 'ipvsadm', 'ebtables', 'ethtool', 'iptables', 'tar', 'curl', 'ca-certificates'];
// AL2023: curl-minimal (in the image) conflicts with curl and already gives the program its curl;
// iptables-nft and no ebtables, as the EKS AL2023 node image installs (kubeadm stopped checking for
// ebtables and socat in 1.28-1.31 patch releases).
const AL2023_PACKAGES = ['conntrack-tools', 'socat', 'ipset', 'ipvsadm', 'ethtool', 'iptables-nft', 'tar', 'ca-certificates'];
// Rocky/AlmaLinux/RHEL 10: iptables-nft is the only iptables (RHEL 9 already shipped no legacy
// iptables; 10 keeps iptables-nft, deprecated since 9.0 in favour of nft), named as the package it
// is; its ebtables-nft covers the ebtables name kubeadm no longer checks for, as on AL2023. The rest
// as on 9 (Kubespray's system_packages makes no difference between RedHat 9 and 10).
const EL10_PACKAGES = ['conntrack-tools', 'socat', 'ipset', 'ipvsadm', 'ethtool', 'iptables-nft', 'tar', 'curl', 'ca-certificates'];
// openSUSE Leap names them as Fedora does.
const ZYPPER_PACKAGES = DNF_PACKAGES;

const DEBIAN_LIKE: OsProfile = {
  payload: 'cloud-init',
  binDir: '/usr/local/bin',
  libDir: '/usr/local/lib/kspray',
  runc: '/usr/local/sbin/runc',
  installContainerd: true,
  packageManager: 'apt',
  packages: APT_PACKAGES,
  selinux: 'leave',
  disableFirewalld: false,
  defaultUser: '',
  kernelPackages: [],
};

const RHEL_LIKE: OsProfile = { ...DEBIAN_LIKE, packageManager: 'dnf', packages: DNF_PACKAGES, selinux: 'permissive', disableFirewalld: true };
const RHEL_10_LIKE: OsProfile = { ...RHEL_LIKE, packages: EL10_PACKAGES, kernelPackages: ['kernel-modules-extra'] };
// openEuler: Kubespray's system_packages gives it conntrack-tools (not conntrack) and the RedHat
// family's iptables, ebtables and the rest under the same names; SELinux and firewalld as on RHEL.
// Its cgroup v1 boot is in CGROUP_V1_OS (api/), read by the model's rule and the kubeadm builder.
const OPENEULER: OsProfile = RHEL_LIKE;
const AMAZON_LINUX_2023: OsProfile = { ...RHEL_LIKE, packages: AL2023_PACKAGES, disableFirewalld: false };
const OPENSUSE: OsProfile = { ...DEBIAN_LIKE, packageManager: 'zypper', packages: ZYPPER_PACKAGES, disableFirewalld: true };

const FLATCAR: OsProfile = {
  payload: 'ignition',
  binDir: '/opt/bin',
  libDir: '/opt/kspray',
  runc: '/usr/bin/runc',
  installContainerd: false,
  packageManager: 'none',
  packages: [],
  selinux: 'leave',
  disableFirewalld: false,
  defaultUser: 'core',
  kernelPackages: [],
};

const FEDORA_COREOS: OsProfile = {
  payload: 'ignition',
  binDir: '/usr/local/bin',
  libDir: '/usr/local/lib/kspray',
  runc: '/usr/local/sbin/runc',
  installContainerd: true,
  packageManager: 'none',
  packages: [],
  selinux: 'leave',
  disableFirewalld: false,
  defaultUser: 'core',
  kernelPackages: [],
};

type ProxyMode = ClusterModel['kubernetes']['proxyMode'];

const PROFILES: Record<OsName, OsProfile> = {
  'ubuntu-22.04': DEBIAN_LIKE,
  'ubuntu-24.04': DEBIAN_LIKE,
  'ubuntu-26.04': DEBIAN_LIKE,
  'debian-12': DEBIAN_LIKE,
  'debian-13': DEBIAN_LIKE,
  flatcar: FLATCAR,
  'fedora-coreos': FEDORA_COREOS,
  'rocky-9': RHEL_LIKE,
  'almalinux-9': RHEL_LIKE,
  'rhel-9': RHEL_LIKE,
  'rocky-10': RHEL_10_LIKE,
  'almalinux-10': RHEL_10_LIKE,
  'rhel-10': RHEL_10_LIKE,
  'fedora-43': RHEL_LIKE,
  'openeuler-24.03': OPENEULER,
  'opensuse-leap-15.6': OPENSUSE,
  'amazonlinux-2023': AMAZON_LINUX_2023,
};

export function osProfile(os: OsName): OsProfile {
  return PROFILES[os];
}

/** The packages prepare-os installs: the family's list, plus nft for kube-proxy's nftables mode. */
export function osPackages(os: OsName, proxyMode: ProxyMode): string[] {
  const p = osProfile(os);
  if (p.packageManager === 'none') return [];
  return proxyMode === 'nftables' ? [...p.packages, 'nftables'] : [...p.packages];
}

/** node.env lines for prepare-os (docs/node-contract.md); also what a Packer bake runs with. */
export function osPrepareEnv(os: OsName, proxyMode: ProxyMode): Array<[string, string]> {
  const p = osProfile(os);
  return [
    ['KSPRAY_PACKAGE_MANAGER', p.packageManager],
    ['KSPRAY_PACKAGES', osPackages(os, proxyMode).join(' ')],
    ['KSPRAY_SELINUX', p.selinux === 'permissive' ? 'permissive' : ''],
    ['KSPRAY_FIREWALLD', p.disableFirewalld ? 'disable' : ''],
    // Only where the OS needs it, so the node.env of every other OS stays as it was.
    ...(p.kernelPackages.length ? ([['KSPRAY_KERNEL_PACKAGES', p.kernelPackages.join(' ')]] as Array<[string, string]>) : []),
  ];
}

export const usesIgnition = (os: OsName): boolean => (IGNITION_OS as readonly string[]).includes(os);
