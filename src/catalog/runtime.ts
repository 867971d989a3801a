// Container runtime versions and downloads beyond the defaults componentVersions picks: a pinned
// containerd (any containerd_archive checksum), and cri-o matched to the kubernetes minor the way
// Kubespray's download.yml does (crio_version = newest crio_archive entry below the next minor).
import { compareVersions, minorOf, mirrored, nextMinor, requireSha, versionsOf, type Arch, type Download } from './catalog.js';

/** containerd versions with a release tarball checksum for `arch`, newest first. */
export const containerdVersions = (arch: Arch): string[] => versionsOf('containerd_archive', arch);

/** cri-o static bundle versions with a checksum for `arch`, newest first. */
export const crioVersions = (arch: Arch): string[] => versionsOf('crio_archive', arch);

/**
 * containerd reads config version 3 from 2.0 on (and migrates 2 in memory); 1.7 reads version 2
 * only. Every containerd in the catalog is 1.7 or newer.
 */
export const containerdConfigVersion = (containerd: string): 2 | 3 => (compareVersions(containerd, '2.0.0') >= 0 ? 3 : 2);

/**
 * Kubespray's crio_version: the newest cri-o below the next kubernetes minor. cri-o releases
 * follow the kubernetes minors, so anything of another minor is no match (undefined).
 */
export function crioVersionFor(kubernetes: string, arch: Arch = 'amd64', known: string[] = crioVersions(arch)): string | undefined {
  const v = known.find((c) => compareVersions(c, nextMinor(kubernetes)) < 0);
  return v !== undefined && minorOf(v) === minorOf(kubernetes) ? v : undefined;
}

/** Up to `count` known versions closest to `wanted` (same minor first), for error hints. */
export function nearbyVersions(wanted: string, known: string[], count = 6): string[] {
  const sameMinor = known.filter((v) => minorOf(v) === minorOf(wanted));
  if (sameMinor.length) return sameMinor.slice(0, count);
  const distance = (v: string) => {
    const [a = 0, b = 0] = v.split('.').map(Number);
    const [c = 0, d = 0] = wanted.split('.').map(Number);
    return Math.abs(a - c) * 1000 + Math.abs(b - d);
  };
  return [...known].sort((x, y) => distance(x) - distance(y) || compareVersions(y, x)).slice(0, count);
}

/** The official static bundle (storage.googleapis.com/cri-o/artifacts), Kubespray's crio_download_url. */
export function crioDownload(version: string, arch: Arch, mirror?: string): Download {
  return {
    id: 'cri-o',
    url: mirrored(`https://storage.googleapis.com/cri-o/artifacts/cri-o.${arch}.v${version}.tar.gz`, mirror),
    sha256: requireSha('crio_archive', arch, version),
  };
}
