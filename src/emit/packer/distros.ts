// Official base images per distro and cloud: who publishes them and how to find the newest one.
// These are the vendors' own publishing accounts/projects; changing one changes which image every
// node boots from, so each value says where it comes from.
import type { Arch } from '../../catalog/catalog.js';

export interface DistroImages {
  /** Default login of the vendor's cloud images (AWS, OCI, OpenStack). */
  cloudUser: string;
  aws: { owner: string; name: (arch: Arch) => string };
  gce: { project: string; family: (arch: Arch) => string };
  azure: { publisher: string; offer: string; sku: (arch: Arch) => string };
  /** OCI platform images exist for Ubuntu only; other distros need a custom image OCID. */
  oci?: { operatingSystem: string; version: string; displayName: (arch: Arch) => string };
  /** Usual Glance image name; clouds name them differently, so it is only a variable default. */
  openstackImage: string;
  qemu: { url: (arch: Arch) => string; checksum: string };
}

const awsArch = (arch: Arch) => (arch === 'arm64' ? 'arm64' : 'amd64');
const CANONICAL_AWS = '099720109477'; // Canonical's AMI owner account
const DEBIAN_AWS = '136693071363'; // Debian cloud team's AMI owner account

export const DISTROS = {
  'ubuntu-22.04': {
    cloudUser: 'ubuntu',
    aws: { owner: CANONICAL_AWS, name: (a) => `ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-${awsArch(a)}-server-*` },
    gce: { project: 'ubuntu-os-cloud', family: (a) => (a === 'arm64' ? 'ubuntu-2204-lts-arm64' : 'ubuntu-2204-lts') },
    azure: { publisher: 'Canonical', offer: '0001-com-ubuntu-server-jammy', sku: (a) => (a === 'arm64' ? '22_04-lts-arm64' : '22_04-lts-gen2') },
    oci: { operatingSystem: 'Canonical Ubuntu', version: '22.04', displayName: (a) => (a === 'arm64' ? '^Canonical-Ubuntu-22\\.04-aarch64-' : '^Canonical-Ubuntu-22\\.04-[0-9]') },
    openstackImage: 'ubuntu-22.04',
    qemu: { url: (a) => `https://cloud-images.ubuntu.com/releases/jammy/release/ubuntu-22.04-server-cloudimg-${awsArch(a)}.img`, checksum: 'file:https://cloud-images.ubuntu.com/releases/jammy/release/SHA256SUMS' },
  },
  'ubuntu-24.04': {
    cloudUser: 'ubuntu',
    aws: { owner: CANONICAL_AWS, name: (a) => `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${awsArch(a)}-server-*` },
    gce: { project: 'ubuntu-os-cloud', family: (a) => (a === 'arm64' ? 'ubuntu-2404-lts-arm64' : 'ubuntu-2404-lts-amd64') },
    azure: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: (a) => (a === 'arm64' ? 'server-arm64' : 'server') },
    oci: { operatingSystem: 'Canonical Ubuntu', version: '24.04', displayName: (a) => (a === 'arm64' ? '^Canonical-Ubuntu-24\\.04-aarch64-' : '^Canonical-Ubuntu-24\\.04-[0-9]') },
    openstackImage: 'ubuntu-24.04',
    qemu: { url: (a) => `https://cloud-images.ubuntu.com/releases/noble/release/ubuntu-24.04-server-cloudimg-${awsArch(a)}.img`, checksum: 'file:https://cloud-images.ubuntu.com/releases/noble/release/SHA256SUMS' },
  },
  'debian-12': {
    cloudUser: 'admin',
    aws: { owner: DEBIAN_AWS, name: (a) => `debian-12-${awsArch(a)}-*` },
    gce: { project: 'debian-cloud', family: (a) => (a === 'arm64' ? 'debian-12-arm64' : 'debian-12') },
    azure: { publisher: 'Debian', offer: 'debian-12', sku: (a) => (a === 'arm64' ? '12-arm64' : '12-gen2') },
    openstackImage: 'debian-12',
    qemu: { url: (a) => `https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-${awsArch(a)}.qcow2`, checksum: 'file:https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS' },
  },
  'debian-13': {
    cloudUser: 'admin',
    aws: { owner: DEBIAN_AWS, name: (a) => `debian-13-${awsArch(a)}-*` },
    gce: { project: 'debian-cloud', family: (a) => (a === 'arm64' ? 'debian-13-arm64' : 'debian-13') },
    azure: { publisher: 'Debian', offer: 'debian-13', sku: (a) => (a === 'arm64' ? '13-arm64' : '13-gen2') },
    openstackImage: 'debian-13',
    qemu: { url: (a) => `https://cloud.debian.org/images/cloud/trixie/latest/debian-13-genericcloud-${awsArch(a)}.qcow2`, checksum: 'file:https://cloud.debian.org/images/cloud/trixie/latest/SHA512SUMS' },
  },
} satisfies Record<string, DistroImages>;

export type PackerDistro = keyof typeof DISTROS;
export const PACKER_DISTROS = Object.keys(DISTROS) as PackerDistro[];
export const isPackerDistro = (os: string): os is PackerDistro => os in DISTROS;
