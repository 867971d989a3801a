// What etcd.topology: external puts on each node (examples/external-etcd), without running anything.
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { componentVersions, etcdDownload } from '../../src/catalog/catalog.js';
import type { Rendered } from '../../src/render.js';
import { loadExample, renderFixture } from '../helpers/fixtures.js';

let r: Rendered;
beforeAll(async () => {
  r = await renderFixture(loadExample('external-etcd'));
});
const plan = (name: string) => r.plans.find((p) => p.node.name === name)!;

describe('external etcd plans', () => {
  test('an etcd member gets etcd and the bootstrap only: no runtime, kubelet, kubeadm or proxy', () => {
    expect([...plan('etcd-2').files.keys()].sort()).toEqual([
      '/etc/etcd/etcd.env',
      '/etc/etcd/pki/ca.crt',
      '/etc/etcd/pki/peer.crt',
      '/etc/etcd/pki/peer.key',
      '/etc/etcd/pki/server.crt',
      '/etc/etcd/pki/server.key',
      '/etc/kspray/downloads.tsv',
      '/etc/kspray/node.env',
      '/etc/modules-load.d/kubernetes.conf',
      '/etc/sysctl.d/99-kubernetes.conf',
      '/etc/systemd/system/etcd.service',
      '/etc/systemd/system/kspray-bootstrap.service',
      '/usr/local/lib/kspray/kspray-node.sh',
    ]);
    expect(plan('etcd-2').files.get('/etc/kspray/node.env')!.content).toContain("KSPRAY_ACTION='etcd'");
  });

  test('an etcd member downloads only the catalog etcd tarball (Kubespray URL, etcd_binary checksum)', () => {
    const v = componentVersions('1.36.4');
    expect(v.etcd).toMatch(/^3\.6\./);
    const d = etcdDownload(v, 'arm64', 'https://mirror.example/files/');
    expect(d.url).toBe(`https://mirror.example/files/github.com/etcd-io/etcd/releases/download/v${v.etcd}/etcd-v${v.etcd}-linux-arm64.tar.gz`);
    expect(d.sha256).toMatch(/^[0-9a-f]{64}$/);
    const amd = etcdDownload(v, 'amd64');
    expect(plan('etcd-1').files.get('/etc/kspray/downloads.tsv')!.content).toBe(`etcd\t${amd.url}\t${amd.sha256}\n`);
  });

  test('control planes use etcd.external with the apiserver-etcd-client certificate and wait for etcd', () => {
    const docs = plan('cp-1').files.get('/etc/kspray/kubeadm.yaml')!.content.split(/^---$/m).map((d) => parse(d));
    const cluster = docs.find((d) => d?.kind === 'ClusterConfiguration');
    expect(cluster.etcd).toEqual({
      external: {
        endpoints: ['https://10.0.1.11:2379', 'https://10.0.1.12:2379', 'https://10.0.1.13:2379'],
        caFile: '/etc/kubernetes/pki/etcd/ca.crt',
        certFile: '/etc/kubernetes/pki/apiserver-etcd-client.crt',
        keyFile: '/etc/kubernetes/pki/apiserver-etcd-client.key',
      },
    });
    for (const cp of ['cp-1', 'cp-2', 'cp-3']) {
      expect(plan(cp).files.get('/etc/kspray/node.env')!.content).toContain(
        "KSPRAY_ETCD_ENDPOINTS='https://10.0.1.11:2379 https://10.0.1.12:2379 https://10.0.1.13:2379'",
      );
      const pki = [...plan(cp).files.keys()].filter((p) => p.startsWith('/etc/kubernetes/pki/etcd/'));
      expect(pki, cp).toEqual(['/etc/kubernetes/pki/etcd/ca.crt']);
    }
    expect(plan('worker-1').files.get('/etc/kspray/node.env')!.content).toContain("KSPRAY_ETCD_ENDPOINTS=''");
  });

  test('the etcd member certificates carry the member name, its address and loopback', () => {
    const ca = new X509Certificate(plan('etcd-3').files.get('/etc/etcd/pki/ca.crt')!.content);
    for (const f of ['server', 'peer']) {
      const cert = new X509Certificate(plan('etcd-3').files.get(`/etc/etcd/pki/${f}.crt`)!.content);
      expect(cert.verify(ca.publicKey), f).toBe(true);
      expect(cert.subject).toBe('CN=etcd-3');
      expect(cert.subjectAltName).toBe('DNS:etcd-3, DNS:localhost, IP Address:10.0.1.13, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    }
  });
});
