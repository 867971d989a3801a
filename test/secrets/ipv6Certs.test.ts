// IPv6 and dual-stack PKI (examples/dual-stack and examples/ipv6): every certificate passes
// `openssl verify -x509_strict` against its CA for each purpose its EKU names, and the IPv6
// addresses and service IPs sit in the SANs where kubeadm looks for them: kubeadm's own apiserver
// list (advertise address, the `kubernetes` Service IP of the primary family, the
// controlPlaneEndpoint host) and the ClusterConfiguration's certSANs (what `kubeadm certs renew`
// reissues from), plus the secondary family's Service IP and node address; etcd certificates hold
// the member's addresses and both loopbacks.
import ipaddr from 'ipaddr.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { issuePki } from '../../src/secrets/index.js';
import type { IssuedPki } from '../../src/secrets/types.js';
import type { ClusterModel } from '../../src/model/model.js';
import { planCluster } from '../../src/plan/planNode.js';
import { loadExample } from '../helpers/fixtures.js';
import { demoBundle, NOW, scratchDir, type Scratch } from './fixtures.js';
import { run, runBuffer } from './tools.js';

/** First address of each example's primary service subnet (kubeadm's internal API server virtual IP), by hand. */
const PRIMARY_SERVICE_IP: Record<string, string> = { '10.233.0.0/18': '10.233.0.1', 'fd85:ee78:d8a6:8607::1000/116': 'fd85:ee78:d8a6:8607::1001' };

const AT_TIME = String(Math.floor(NOW.getTime() / 1000) + 3600);

/** SANs as openssl prints them, IP addresses in canonical form (openssl writes IPv6 uncompressed, upper case). */
function sansOf(pem: string): { dns: string[]; ips: string[] } {
  const out = runBuffer('openssl', ['x509', '-noout', '-ext', 'subjectAltName'], pem).toString();
  const entries = out.split('\n').slice(1).join(',').split(',').map((s) => s.trim()).filter(Boolean);
  return {
    dns: entries.filter((e) => e.startsWith('DNS:')).map((e) => e.slice(4)),
    ips: entries.filter((e) => e.startsWith('IP Address:')).map((e) => ipaddr.parse(e.slice('IP Address:'.length)).toString()),
  };
}

function purposesOf(pem: string): string[] {
  const out = runBuffer('openssl', ['x509', '-noout', '-ext', 'extendedKeyUsage'], pem).toString();
  return [...(out.includes('TLS Web Server Authentication') ? ['sslserver'] : []), ...(out.includes('TLS Web Client Authentication') ? ['sslclient'] : [])];
}

/** The first control plane's kubeadm documents, by kind. */
function kubeadmDocs(model: ClusterModel, pki: IssuedPki): Record<string, Record<string, any>> {
  const plan = planCluster(model, pki).find((p) => p.node.isFirstControlPlane)!;
  const docs = parseAllDocuments(plan.files.get('/etc/kspray/kubeadm.yaml')!.content).map((d) => d.toJS());
  return Object.fromEntries(docs.map((d) => [d.kind, d]));
}

describe.each(['dual-stack', 'ipv6'])('PKI of examples/%s', (example) => {
  let model: ClusterModel;
  let pki: IssuedPki;
  let scratch: Scratch;
  const certOf = (name: string) => pki.certificates.find((c) => c.name === name)!.pem;

  beforeAll(async () => {
    model = loadExample(example);
    pki = await issuePki(model, await demoBundle(model));
    scratch = scratchDir(`ipv6-certs-${example}`);
    for (const c of pki.certificates) scratch.write(`${c.name}.crt`, c.pem);
  });
  afterAll(() => scratch?.remove());

  test('every certificate passes openssl verify -x509_strict against its CA, for each purpose it names', () => {
    expect(pki.certificates.length).toBeGreaterThan(20);
    for (const c of pki.certificates) {
      const ca = c.issuer === 'self' ? c.name : c.issuer;
      const purposes = c.issuer === 'self' ? ['any'] : purposesOf(c.pem);
      expect(purposes.length, c.name).toBeGreaterThan(0);
      for (const purpose of purposes) {
        const r = run('openssl', ['verify', '-x509_strict', '-attime', AT_TIME, '-purpose', purpose, '-CAfile', `${scratch.dir}/${ca}.crt`, `${scratch.dir}/${c.name}.crt`]);
        expect(r.ok, `${c.name} ${purpose}: ${r.stdout}${r.stderr}`).toBe(true);
      }
    }
  });

  test("each apiserver certificate holds kubeadm's expected names and addresses, the certSANs, and both families", () => {
    const docs = kubeadmDocs(model, pki);
    const cluster = docs.ClusterConfiguration!;
    const primaryService = cluster.networking.serviceSubnet.split(',')[0];
    const endpointHost = String(cluster.controlPlaneEndpoint).replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    for (const cp of model.nodes.filter((n) => n.isControlPlane)) {
      const { dns, ips } = sansOf(certOf(`${cp.name}/apiserver`));
      const names = new Set([...dns, ...ips]);
      // kubeadm's GetAPIServerAltNames: node name, kubernetes.default..., advertise address, the
      // primary family's `kubernetes` Service IP, the controlPlaneEndpoint host.
      for (const want of [cp.name, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', cp.address!, endpointHost])
        expect(names, `${cp.name}: ${want}`).toContain(want);
      expect(ips, cp.name).toContain(PRIMARY_SERVICE_IP[primaryService]);
      for (const san of cluster.apiServer.certSANs as string[]) expect(names, `${cp.name}: certSAN ${san}`).toContain(san);
    }
  });

  test.runIf(example === 'dual-stack')('dual-stack: both Service IPs, both node addresses and both loopbacks', () => {
    const { ips } = sansOf(certOf('cp-2/apiserver'));
    expect(ips).toEqual(expect.arrayContaining(['10.233.0.1', 'fd85:ee78:d8a6:8607::1001', '10.0.0.12', 'fd00:10::12', '127.0.0.1', '::1']));
    // The other control planes' IPv6 addresses come through certSANs (kubeadm's renew list).
    expect(ips).toEqual(expect.arrayContaining(['fd00:10::11', 'fd00:10::13']));
    const etcd = sansOf(certOf('cp-2/etcd/server')).ips;
    expect(etcd).toEqual(expect.arrayContaining(['10.0.0.12', 'fd00:10::12', '127.0.0.1', '::1']));
  });

  test.runIf(example === 'ipv6')('IPv6-only: the IPv6 Service IP, node address and endpoint; etcd members on their IPv6 address and ::1', () => {
    const { ips } = sansOf(certOf('cp-1/apiserver'));
    expect(ips).toEqual(expect.arrayContaining(['fd85:ee78:d8a6:8607::1001', 'fd00:10::11', 'fd00:10::100', '::1']));
    expect(ips.filter((ip) => ip.includes('.'))).toEqual(['127.0.0.1']);
    for (const [member, address] of [['etcd-1', 'fd00:10::31'], ['etcd-2', 'fd00:10::32'], ['etcd-3', 'fd00:10::33']]) {
      for (const file of ['server', 'peer']) expect(sansOf(certOf(`${member}/etcd/${file}`)).ips, `${member} ${file}`).toEqual(expect.arrayContaining([address, '::1']));
    }
  });
});
