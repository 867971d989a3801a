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
import type { OsName } from '../spec/v1alpha1.js';
import { IGNITION_OS } from '../spec/v1alpha1.js';

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
  packageManager: 'apt' | 'none';
  /** The default user that gets spec.ssh.authorizedKeys on Ignition systems. */
  defaultUser: string;
}

const DEBIAN_LIKE: OsProfile = {
  payload: 'cloud-init',
  binDir: '/usr/local/bin',
  libDir: '/usr/local/lib/kspray',
  runc: '/usr/local/sbin/runc',
  installContainerd: true,
  packageManager: 'apt',
  defaultUser: '',
};

const FLATCAR: OsProfile = {
  payload: 'ignition',
  binDir: '/opt/bin',
  libDir: '/opt/kspray',
  runc: '/usr/bin/runc',
  installContainerd: false,
  packageManager: 'none',
  defaultUser: 'core',
};

const FEDORA_COREOS: OsProfile = {
  payload: 'ignition',
  binDir: '/usr/local/bin',
  libDir: '/usr/local/lib/kspray',
  runc: '/usr/local/sbin/runc',
  installContainerd: true,
  packageManager: 'none',
  defaultUser: 'core',
};

export function osProfile(os: OsName): OsProfile {
  if (os === 'flatcar') return FLATCAR;
  if (os === 'fedora-coreos') return FEDORA_COREOS;
  return DEBIAN_LIKE;
}

export const usesIgnition = (os: OsName): boolean => (IGNITION_OS as readonly string[]).includes(os);
