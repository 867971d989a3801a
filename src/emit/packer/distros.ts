// Official base images per distro and cloud: who publishes them and how to find the newest one.
// These are the vendors' own publishing accounts/projects; changing one changes which image every
// node boots from, so each value says where it comes from.
import type { Arch } from '../../catalog/catalog.js';

/**
 * A builder a distro has no official base image on is absent (or its function returns undefined
 * for that arch): kspray refuses it (baseImageMissing) rather than guess an image.
 */
export interface DistroImages {
  /** Default login of the vendor's cloud images (OCI, OpenStack, vSphere templates). */
  cloudUser: string;
  /** Login of the vendor's AMIs when it differs from cloudUser. */
  awsUser?: string;
  /** Absent: the vendor publishes no AMI kspray knows (amazon-ebs and `kspray aws` refuse the distro). */
  aws?: { owner: string; name: (arch: Arch) => string };
  gce?: { project: string; family: (arch: Arch) => string | undefined };
  /** plan: a Marketplace image whose plan (publisher/offer/sku) must be named and its terms accepted. */
  azure?: { publisher: string; offer: (arch: Arch) => string; sku: (arch: Arch) => string | undefined; plan?: boolean };
  /** OCI platform images exist for Ubuntu only; other distros need a custom image OCID. */
  oci?: { operatingSystem: string; version: string; displayName: (arch: Arch) => string };
  /** Usual Glance image name; clouds name them differently, so it is only a variable default. */
  openstackImage: string;
  /** Only where the vendor publishes a stable URL and a checksum file for it. */
  qemu?: { url: (arch: Arch) => string; checksum: (arch: Arch) => string };
  /** Why there is no qemu entry, when the vendor does publish some image (said instead of the generic reason). */
  noQemu?: string;
  /**
   * x86-64-v3: the x86_64 build needs a Haswell-or-newer CPU (RHEL 10 and its rebuilds), so the qemu
   * build VM gets QEMU's `max` CPU model (the host's under KVM, every emulated feature under TCG)
   * instead of its default qemu64, on which such a system does not boot.
   */
  x86_64v3?: boolean;
}

const awsArch = (arch: Arch) => (arch === 'arm64' ? 'arm64' : 'amd64');
const CANONICAL_AWS = '099720109477'; // Canonical's AMI owner account
const DEBIAN_AWS = '136693071363'; // Debian cloud team's AMI owner account
const ROCKY_AWS = '792107900819'; // Rocky Enterprise Software Foundation's AMI owner account
const ALMA_AWS = '764336703387'; // AlmaLinux OS Foundation's AMI owner account
const REDHAT_AWS = '309956199498'; // Red Hat's (pay-as-you-go, RHUI) AMI owner account
const FEDORA_AWS = '125523088429'; // Fedora Project's AMI owner account
const OPENSUSE_AWS = '679593333241'; // AWS Marketplace account openSUSE Leap is published through (subscribe once)
const AMAZON_AWS = '137112412989'; // Amazon's own account (owner alias "amazon")
const rpmArch = (arch: Arch) => (arch === 'arm64' ? 'aarch64' : 'x86_64');

export const DISTROS = {
  'ubuntu-22.04': {
    cloudUser: 'ubuntu',
    aws: { owner: CANONICAL_AWS, name: (a) => `ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-${awsArch(a)}-server-*` },
    gce: { project: 'ubuntu-os-cloud', family: (a) => (a === 'arm64' ? 'ubuntu-2204-lts-arm64' : 'ubuntu-2204-lts') },
    azure: { publisher: 'Canonical', offer: () => '0001-com-ubuntu-server-jammy', sku: (a) => (a === 'arm64' ? '22_04-lts-arm64' : '22_04-lts-gen2') },
    oci: { operatingSystem: 'Canonical Ubuntu', version: '22.04', displayName: (a) => (a === 'arm64' ? '^Canonical-Ubuntu-22\\.04-aarch64-' : '^Canonical-Ubuntu-22\\.04-[0-9]') },
    openstackImage: 'ubuntu-22.04',
    qemu: { url: (a) => `https://cloud-images.ubuntu.com/releases/jammy/release/ubuntu-22.04-server-cloudimg-${awsArch(a)}.img`, checksum: () => 'file:https://cloud-images.ubuntu.com/releases/jammy/release/SHA256SUMS' },
  },
  'ubuntu-24.04': {
    cloudUser: 'ubuntu',
    aws: { owner: CANONICAL_AWS, name: (a) => `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${awsArch(a)}-server-*` },
    gce: { project: 'ubuntu-os-cloud', family: (a) => (a === 'arm64' ? 'ubuntu-2404-lts-arm64' : 'ubuntu-2404-lts-amd64') },
    azure: { publisher: 'Canonical', offer: () => 'ubuntu-24_04-lts', sku: (a) => (a === 'arm64' ? 'server-arm64' : 'server') },
    oci: { operatingSystem: 'Canonical Ubuntu', version: '24.04', displayName: (a) => (a === 'arm64' ? '^Canonical-Ubuntu-24\\.04-aarch64-' : '^Canonical-Ubuntu-24\\.04-[0-9]') },
    openstackImage: 'ubuntu-24.04',
    qemu: { url: (a) => `https://cloud-images.ubuntu.com/releases/noble/release/ubuntu-24.04-server-cloudimg-${awsArch(a)}.img`, checksum: () => 'file:https://cloud-images.ubuntu.com/releases/noble/release/SHA256SUMS' },
  },
  // Ubuntu 26.04 LTS "Resolute Raccoon": the same Canonical publishing as 24.04 under the new
  // codename (AMI names ubuntu/images/hvm-ssd-gp3/ubuntu-resolute-26.04-*, GCE families
  // ubuntu-2604-lts-*, cloud-images.ubuntu.com/releases/resolute). No Azure entry: kspray knows no
  // Marketplace offer/SKU for 26.04 for certain; use a gallery image.
  'ubuntu-26.04': {
    cloudUser: 'ubuntu',
    aws: { owner: CANONICAL_AWS, name: (a) => `ubuntu/images/hvm-ssd-gp3/ubuntu-resolute-26.04-${awsArch(a)}-server-*` },
    gce: { project: 'ubuntu-os-cloud', family: (a) => (a === 'arm64' ? 'ubuntu-2604-lts-arm64' : 'ubuntu-2604-lts-amd64') },
    oci: { operatingSystem: 'Canonical Ubuntu', version: '26.04', displayName: (a) => (a === 'arm64' ? '^Canonical-Ubuntu-26\\.04-aarch64-' : '^Canonical-Ubuntu-26\\.04-[0-9]') },
    openstackImage: 'ubuntu-26.04',
    qemu: { url: (a) => `https://cloud-images.ubuntu.com/releases/resolute/release/ubuntu-26.04-server-cloudimg-${awsArch(a)}.img`, checksum: () => 'file:https://cloud-images.ubuntu.com/releases/resolute/release/SHA256SUMS' },
  },
  'debian-12': {
    cloudUser: 'admin',
    aws: { owner: DEBIAN_AWS, name: (a) => `debian-12-${awsArch(a)}-*` },
    gce: { project: 'debian-cloud', family: (a) => (a === 'arm64' ? 'debian-12-arm64' : 'debian-12') },
    azure: { publisher: 'Debian', offer: () => 'debian-12', sku: (a) => (a === 'arm64' ? '12-arm64' : '12-gen2') },
    openstackImage: 'debian-12',
    qemu: { url: (a) => `https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-${awsArch(a)}.qcow2`, checksum: () => 'file:https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS' },
  },
  'debian-13': {
    cloudUser: 'admin',
    aws: { owner: DEBIAN_AWS, name: (a) => `debian-13-${awsArch(a)}-*` },
    gce: { project: 'debian-cloud', family: (a) => (a === 'arm64' ? 'debian-13-arm64' : 'debian-13') },
    azure: { publisher: 'Debian', offer: () => 'debian-13', sku: (a) => (a === 'arm64' ? '13-arm64' : '13-gen2') },
    openstackImage: 'debian-13',
    qemu: { url: (a) => `https://cloud.debian.org/images/cloud/trixie/latest/debian-13-genericcloud-${awsArch(a)}.qcow2`, checksum: () => 'file:https://cloud.debian.org/images/cloud/trixie/latest/SHA512SUMS' },
  },
  'rocky-9': {
    cloudUser: 'rocky',
    aws: { owner: ROCKY_AWS, name: (a) => `Rocky-9-EC2-Base-9.*.${rpmArch(a)}` },
    gce: { project: 'rocky-linux-cloud', family: (a) => (a === 'arm64' ? 'rocky-linux-9-arm64' : 'rocky-linux-9') },
    // No Azure entry: Rocky's Marketplace listings changed publishers over time; use a gallery image.
    openstackImage: 'rocky-9',
    qemu: {
      url: (a) => `https://dl.rockylinux.org/pub/rocky/9/images/${rpmArch(a)}/Rocky-9-GenericCloud-Base.latest.${rpmArch(a)}.qcow2`,
      checksum: (a) => `file:https://dl.rockylinux.org/pub/rocky/9/images/${rpmArch(a)}/Rocky-9-GenericCloud-Base.latest.${rpmArch(a)}.qcow2.CHECKSUM`,
    },
  },
  'almalinux-9': {
    cloudUser: 'almalinux',
    awsUser: 'ec2-user',
    aws: { owner: ALMA_AWS, name: (a) => `AlmaLinux OS 9.* ${rpmArch(a)}` },
    gce: { project: 'almalinux-cloud', family: (a) => (a === 'arm64' ? 'almalinux-9-arm64' : 'almalinux-9') },
    azure: { publisher: 'almalinux', offer: (a) => (a === 'arm64' ? 'almalinux-arm' : 'almalinux-x86_64'), sku: (a) => (a === 'arm64' ? '9-arm-gen2' : '9-gen2'), plan: true },
    openstackImage: 'almalinux-9',
    qemu: {
      url: (a) => `https://repo.almalinux.org/almalinux/9/cloud/${rpmArch(a)}/images/AlmaLinux-9-GenericCloud-latest.${rpmArch(a)}.qcow2`,
      checksum: (a) => `file:https://repo.almalinux.org/almalinux/9/cloud/${rpmArch(a)}/images/CHECKSUM`,
    },
  },
  'rhel-9': {
    cloudUser: 'cloud-user',
    awsUser: 'ec2-user',
    aws: { owner: REDHAT_AWS, name: (a) => `RHEL-9.*_HVM-*-${a === 'arm64' ? 'arm64' : 'x86_64'}-*` },
    gce: { project: 'rhel-cloud', family: (a) => (a === 'arm64' ? 'rhel-9-arm64' : 'rhel-9') },
    // Pay-as-you-go RHEL 9 (gen2, LVM root); Red Hat publishes arm64 RHEL 9 on Azure under another offer.
    azure: { publisher: 'RedHat', offer: () => 'RHEL', sku: (a) => (a === 'arm64' ? undefined : '9-lvm-gen2') },
    // No qemu entry: Red Hat's KVM guest image needs a customer portal login.
    openstackImage: 'rhel-9',
  },
  // Enterprise Linux 10: the vendors' own accounts as for 9, with the 10 names (Rocky-10-EC2-Base,
  // rocky-linux-cloud/rocky-linux-10*, dl.rockylinux.org/pub/rocky/10; AlmaLinux OS 10.*,
  // almalinux-cloud/almalinux-10*, repo.almalinux.org/almalinux/10; RHEL-10.*, rhel-cloud/rhel-10*).
  // x86_64 images are built for x86-64-v3. Azure: only AlmaLinux's own offer (as for 9).
  'rocky-10': {
    cloudUser: 'rocky',
    aws: { owner: ROCKY_AWS, name: (a) => `Rocky-10-EC2-Base-10.*.${rpmArch(a)}` },
    gce: { project: 'rocky-linux-cloud', family: (a) => (a === 'arm64' ? 'rocky-linux-10-arm64' : 'rocky-linux-10') },
    openstackImage: 'rocky-10',
    qemu: {
      url: (a) => `https://dl.rockylinux.org/pub/rocky/10/images/${rpmArch(a)}/Rocky-10-GenericCloud-Base.latest.${rpmArch(a)}.qcow2`,
      checksum: (a) => `file:https://dl.rockylinux.org/pub/rocky/10/images/${rpmArch(a)}/Rocky-10-GenericCloud-Base.latest.${rpmArch(a)}.qcow2.CHECKSUM`,
    },
    x86_64v3: true,
  },
  'almalinux-10': {
    cloudUser: 'almalinux',
    awsUser: 'ec2-user',
    aws: { owner: ALMA_AWS, name: (a) => `AlmaLinux OS 10.* ${rpmArch(a)}` },
    gce: { project: 'almalinux-cloud', family: (a) => (a === 'arm64' ? 'almalinux-10-arm64' : 'almalinux-10') },
    azure: { publisher: 'almalinux', offer: (a) => (a === 'arm64' ? 'almalinux-arm' : 'almalinux-x86_64'), sku: (a) => (a === 'arm64' ? '10-arm-gen2' : '10-gen2'), plan: true },
    openstackImage: 'almalinux-10',
    qemu: {
      url: (a) => `https://repo.almalinux.org/almalinux/10/cloud/${rpmArch(a)}/images/AlmaLinux-10-GenericCloud-latest.${rpmArch(a)}.qcow2`,
      checksum: (a) => `file:https://repo.almalinux.org/almalinux/10/cloud/${rpmArch(a)}/images/CHECKSUM`,
    },
    x86_64v3: true,
  },
  'rhel-10': {
    cloudUser: 'cloud-user',
    awsUser: 'ec2-user',
    aws: { owner: REDHAT_AWS, name: (a) => `RHEL-10.*_HVM-*-${a === 'arm64' ? 'arm64' : 'x86_64'}-*` },
    gce: { project: 'rhel-cloud', family: (a) => (a === 'arm64' ? 'rhel-10-arm64' : 'rhel-10') },
    // No Azure entry: kspray knows no RHEL 10 pay-as-you-go SKU for certain. No qemu entry: Red Hat's
    // KVM guest image needs a customer portal login.
    openstackImage: 'rhel-10',
    x86_64v3: true,
  },
  // Fedora 43: the image Kubespray's CI boots (test-infra/image-builder: Fedora-Cloud-Base-Generic-43-1.6).
  'fedora-43': {
    cloudUser: 'fedora',
    aws: { owner: FEDORA_AWS, name: (a) => `Fedora-Cloud-Base-AmazonEC2.${rpmArch(a)}-43-*` },
    openstackImage: 'fedora-43',
    qemu: {
      url: (a) => `https://download.fedoraproject.org/pub/fedora/linux/releases/43/Cloud/${rpmArch(a)}/images/Fedora-Cloud-Base-Generic-43-1.6.${rpmArch(a)}.qcow2`,
      checksum: (a) => `file:https://download.fedoraproject.org/pub/fedora/linux/releases/43/Cloud/${rpmArch(a)}/images/Fedora-Cloud-43-1.6-${rpmArch(a)}-CHECKSUM`,
    },
  },
  // openEuler 24.03 LTS publishes its VM image only xz-compressed (repo.openeuler.org/openEuler-24.03-LTS/
  // virtual_machine_img/, the file Kubespray's CI converts), logging in as root, and no AMI, GCE family
  // or Marketplace image kspray knows: only openstack, vsphere-clone and oracle-oci from an image the
  // operator imported (with cloud-init in it).
  'openeuler-24.03': {
    cloudUser: 'root',
    openstackImage: 'openeuler-24.03',
    noQemu: 'openEuler publishes its VM image only xz-compressed (.qcow2.xz) with a root password login and no cloud-init kspray can count on; import one with cloud-init and use openstack or vsphere-clone',
  },
  'opensuse-leap-15.6': {
    cloudUser: 'opensuse',
    awsUser: 'ec2-user',
    aws: { owner: OPENSUSE_AWS, name: (a) => `openSUSE-Leap-15-6-v*-hvm-ssd-${a === 'arm64' ? 'arm64' : 'x86_64'}-*` },
    // No GCE entry: opensuse-cloud's family "opensuse-leap" follows the newest Leap, not 15.6.
    azure: { publisher: 'SUSE', offer: () => 'opensuse-leap-15-6', sku: (a) => (a === 'arm64' ? undefined : 'gen2') },
    openstackImage: 'opensuse-leap-15.6',
    qemu: {
      url: (a) => `https://download.opensuse.org/distribution/leap/15.6/appliances/openSUSE-Leap-15.6-Minimal-VM.${rpmArch(a)}-Cloud.qcow2`,
      checksum: (a) => `file:https://download.opensuse.org/distribution/leap/15.6/appliances/openSUSE-Leap-15.6-Minimal-VM.${rpmArch(a)}-Cloud.qcow2.sha256`,
    },
  },
  'amazonlinux-2023': {
    cloudUser: 'ec2-user',
    // The standard AMI (not al2023-ami-minimal-*, which lacks the SSM agent and more).
    aws: { owner: AMAZON_AWS, name: (a) => `al2023-ami-2023.*-kernel-*-${a === 'arm64' ? 'arm64' : 'x86_64'}` },
    // AL2023 runs on AWS; its KVM/VMware images have no stable "latest" URL, so only amazon-ebs,
    // and openstack/vsphere-clone from an image the operator imported.
    openstackImage: 'amazonlinux-2023',
  },
} satisfies Record<string, DistroImages>;

export type PackerDistro = keyof typeof DISTROS;
export const PACKER_DISTROS = Object.keys(DISTROS) as PackerDistro[];
export const isPackerDistro = (os: string): os is PackerDistro => os in DISTROS;
/** A distro whose vendor publishes AMIs kspray can look up (`kspray aws images`, `--image auto`). */
export const hasOfficialAmi = (os: string): os is PackerDistro => isPackerDistro(os) && (DISTROS[os] as DistroImages).aws !== undefined;

/**
 * Why a builder cannot bake this distro and arch (no official base image there), or undefined.
 * openstack and vsphere-clone always start from an image the operator names; oracle-oci falls back to
 * an imported image OCID.
 */
export function baseImageMissing(distro: PackerDistro, builder: string, arch: Arch): string | undefined {
  const d: DistroImages = DISTROS[distro];
  switch (builder) {
    case 'amazon-ebs':
      return d.aws ? undefined : `${distro} has no official AMI kspray knows`;
    case 'googlecompute':
      return d.gce?.family(arch) ? undefined : `Google publishes no ${distro} ${arch} image family kspray knows`;
    case 'azure-arm':
      return d.azure?.sku(arch) ? undefined : `Azure Marketplace has no ${distro} ${arch} image kspray knows`;
    case 'qemu':
      return d.qemu ? undefined : (d.noQemu ?? `${distro} has no cloud image at a stable public URL with a checksum file`);
    default:
      return undefined;
  }
}
