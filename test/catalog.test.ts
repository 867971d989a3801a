// The artifact catalog against Kubespray's own data and rules. Expectations are computed here from
// data/kubespray/*.yml (parsed with `yaml`), independently of src/catalog/catalog.ts, which reads
// the prebuilt JSON.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import {
  ARCHES,
  calicoCrdsDownload,
  componentVersions,
  defaultKubernetesVersion,
  images,
  kubernetesVersions,
  minorOf,
  nodeDownloads,
} from '../src/catalog/catalog.js';
// @ts-expect-error -- plain JS build script, no type declarations
import { buildCatalogJson } from '../scripts/build-catalog.mjs';

type Table = Record<string, Record<string, unknown>>;
const DATA = new URL('../data/kubespray/', import.meta.url);
const yml = (f: string) => parse(readFileSync(new URL(f, DATA), 'utf8')) as Record<string, unknown>;
const checksums = yml('checksums.yml') as Record<string, Table>;
const download = yml('download.yml');
const main = yml('main.yml');

const SUPPORTED_MINORS = ['1.34', '1.35', '1.36'];

/** Ansible's version test, enough for dotted numeric versions. */
function cmp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
const amd64Keys = (table: string) => Object.keys(checksums[table]!.amd64!);
/** `(X_checksums['amd64'].keys() | select('version', limit, '<'))[0]` */
const newestBelow = (table: string, limit: string) => amd64Keys(table).find((v) => cmp(v, limit) < 0);
const newestOf = (minor: string) => kubernetesVersions().find((v) => minorOf(v) === minor)!;
const sha = (table: string, arch: string, version: string) => String(checksums[table]![arch]![version]).replace(/^sha256:/, '');

test('data/kubespray/kubespray.json is what scripts/build-catalog.mjs builds now', () => {
  const committed = readFileSync(new URL('kubespray.json', DATA), 'utf8');
  expect(committed === (buildCatalogJson() as string), 'kubespray.json is stale: run node scripts/build-catalog.mjs').toBe(true);
});

describe('kubernetes versions', () => {
  test("the default is Kubespray's: the first kubelet amd64 key in checksums.yml", () => {
    const first = Object.keys(checksums.kubelet_checksums!.amd64!)[0];
    expect(first).toMatch(/^1\.\d+\.\d+$/);
    expect(defaultKubernetesVersion()).toBe(first);
  });

  test('every listed version has kubeadm, kubelet and kubectl sha256 for amd64 and arm64', () => {
    const versions = kubernetesVersions();
    expect(versions.length).toBeGreaterThan(0);
    for (const v of versions)
      for (const arch of ARCHES)
        for (const c of ['kubeadm', 'kubelet', 'kubectl'])
          expect(String(checksums[`${c}_checksums`]![arch]![v]), `${c} ${v} ${arch}`).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test('each supported minor has versions, and nothing else does', () => {
    expect([...new Set(kubernetesVersions().map(minorOf))].sort()).toEqual(SUPPORTED_MINORS);
  });
});

describe.each(SUPPORTED_MINORS)('component versions for kubernetes %s', (minor) => {
  const k = newestOf(minor);
  const v = componentVersions(k);

  test('etcd: etcd_supported_versions (main.yml)', () => {
    const template = String((main.etcd_supported_versions as Record<string, string>)[minor]);
    const limit = /select\('version', '([\d.]+)', '<'\)/.exec(template)?.[1];
    expect(limit, template).toBeDefined();
    expect(v.etcd).toBe(newestBelow('etcd_binary_checksums', limit!));
    if (minor === '1.34') expect(cmp(v.etcd, '3.6')).toBeLessThan(0);
    else expect(v.etcd).toMatch(/^3\.6\./);
  });

  test('crictl: newest below the next kubernetes minor (download.yml crictl_version)', () => {
    const next = `1.${Number(minor.split('.')[1]) + 1}`;
    expect(v.crictl).toBe(newestBelow('crictl_checksums', next));
    expect(cmp(minorOf(v.crictl), minor)).toBeLessThanOrEqual(0);
  });

  test('pause and coredns: the per-minor tables', () => {
    expect(v.pause).toBe(String((main.pod_infra_supported_versions as Record<string, unknown>)[minor]));
    expect(v.coredns).toBe(String((download.coredns_supported_versions as Record<string, unknown>)[minor]));
  });

  test('containerd, runc, cni, calico: the first amd64 key of their tables; image tags from download.yml', () => {
    expect(v.kubernetes).toBe(k);
    expect(v.containerd).toBe(amd64Keys('containerd_archive_checksums')[0]);
    expect(v.runc).toBe(amd64Keys('runc_checksums')[0]);
    expect(v.cni).toBe(amd64Keys('cni_binary_checksums')[0]);
    expect(v.calico).toBe(amd64Keys('calicoctl_binary_checksums')[0]);
    expect(v.nginx).toBe(String(download.nginx_image_tag));
    expect(v.nodelocaldns).toBe(String(download.nodelocaldns_version));
    expect(v.metricsServer).toBe(String(download.metrics_server_version));
  });
});

test('a version outside the supported minors is refused, not guessed', () => {
  expect(() => componentVersions('1.30.0')).toThrow(/no .* version for kubernetes 1\.30/);
  const v = componentVersions(defaultKubernetesVersion());
  expect(() => nodeDownloads({ ...v, kubernetes: '1.36.99' }, 'amd64')).toThrow(/no sha256 for kubeadm 1\.36\.99 amd64/);
});

/** Renders Kubespray's `*_download_url` Jinja templates for the expressions they use. */
function kubesprayUrl(name: string, vars: Record<string, string>): string {
  const template = String(download[`${name}_download_url`]);
  return template.replace(/\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
    const known: Record<string, string> = {
      dl_k8s_io_url: String(download.dl_k8s_io_url),
      github_url: String(download.github_url),
      "'static-' if containerd_static_binary": '', // containerd_static_binary: false
      "ansible_facts['system'] | lower": 'linux',
      ...vars,
    };
    if (!(expr in known)) throw new Error(`${name}_download_url: unhandled expression {{ ${expr} }}`);
    return known[expr]!;
  });
}

describe.each(SUPPORTED_MINORS.flatMap((minor) => ARCHES.map((arch) => [minor, arch] as const)))('downloads for %s %s', (minor, arch) => {
  const v = componentVersions(newestOf(minor));
  const downloads = nodeDownloads(v, arch);

  test('every entry has a 64-hex sha256 and an https URL', () => {
    expect(downloads.map((d) => d.id)).toEqual(['kubeadm', 'kubelet', 'kubectl', 'containerd', 'runc', 'cni-plugins', 'crictl']);
    for (const d of downloads) {
      expect(d.sha256, d.id).toMatch(/^[0-9a-f]{64}$/);
      expect(new URL(d.url).protocol, d.url).toBe('https:');
    }
  });

  test("URLs and checksums are Kubespray's", () => {
    const vars = {
      kube_version: v.kubernetes,
      image_arch: arch,
      containerd_version: v.containerd,
      runc_version: v.runc,
      cni_version: v.cni,
      crictl_version: v.crictl,
    };
    const expected: Record<string, [string, string, string]> = {
      kubeadm: ['kubeadm', 'kubeadm_checksums', v.kubernetes],
      kubelet: ['kubelet', 'kubelet_checksums', v.kubernetes],
      kubectl: ['kubectl', 'kubectl_checksums', v.kubernetes],
      containerd: ['containerd', 'containerd_archive_checksums', v.containerd],
      runc: ['runc', 'runc_checksums', v.runc],
      'cni-plugins': ['cni', 'cni_binary_checksums', v.cni],
      crictl: ['crictl', 'crictl_checksums', v.crictl],
    };
    for (const d of downloads) {
      const [urlName, table, version] = expected[d.id]!;
      expect(d.url).toBe(kubesprayUrl(urlName, vars));
      expect(d.sha256).toBe(sha(table, arch, version));
    }
  });
});

describe('mirror (Kubespray files_repo layout)', () => {
  const v = componentVersions('1.36.4');

  test('rewrites the host to <mirror>/<upstream host><path>', () => {
    const upstream = nodeDownloads(v, 'amd64');
    for (const mirror of ['https://mirror.example/files', 'https://mirror.example/files/']) {
      const mirrored = nodeDownloads(v, 'amd64', mirror);
      expect(mirrored.find((d) => d.id === 'kubeadm')!.url).toBe('https://mirror.example/files/dl.k8s.io/release/v1.36.4/bin/linux/amd64/kubeadm');
      expect(mirrored.find((d) => d.id === 'runc')!.url).toBe(
        `https://mirror.example/files/github.com/opencontainers/runc/releases/download/v${v.runc}/runc.amd64`,
      );
      mirrored.forEach((d, i) => {
        expect(d.url).toBe(upstream[i]!.url.replace(/^https:\/\//, 'https://mirror.example/files/'));
        expect(d.sha256).toBe(upstream[i]!.sha256);
      });
    }
  });

  test('calico CRDs follow the mirror and keep their no_arch checksum', () => {
    const d = calicoCrdsDownload(v.calico, 'https://mirror.example/files');
    expect(d.url).toBe(`https://mirror.example/files/github.com/projectcalico/calico/raw/v${v.calico}/manifests/crds.yaml`);
    expect(d.sha256).toBe(sha('calico_crds_checksums', 'no_arch', v.calico));
    expect(calicoCrdsDownload(v.calico).url).toBe(kubesprayUrl('calico_crds', { calico_version: v.calico }));
  });

  test('a registry mirror replaces the image registry host', () => {
    const upstream = images(v);
    const mirrored = images(v, 'registry.example:5000/');
    expect(upstream.pause).toBe(`registry.k8s.io/pause:${v.pause}`);
    expect(upstream.coredns).toBe(`registry.k8s.io/coredns/coredns:v${v.coredns}`);
    expect(mirrored.pause).toBe(`registry.example:5000/pause:${v.pause}`);
    expect(mirrored.calicoNode).toBe(`registry.example:5000/calico/node:v${v.calico}`);
    expect(mirrored.kubeadmRepository).toBe('registry.example:5000');
  });
});
