// The IPv6 proof for external etcd: three real etcd 3.4 members (Debian's etcd-server) start from
// what kspray generated for the three etcd nodes of examples/ipv6 (IPv6-only): each node's
// /etc/etcd/etcd.env as the environment and its /etc/etcd/pki certificates. Every URL they use is
// IPv6 loopback in brackets, and `etcdctl endpoint health --cluster` with the control plane's
// generated apiserver-etcd-client certificate reaches all three over IPv6 (--cluster dials the
// members' advertised client URLs, so the [::1] URLs are what it checks).
//
// The loopback rewrites (and nothing else: asserted below) are test/helpers/etcdCluster.ts', here
// to https://[::1]:<free port> (the generated etcd certificates carry ::1 as a SAN).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { issuePki } from '../../src/secrets/index.js';
import { planCluster } from '../../src/plan/planNode.js';
import { loadExample } from '../helpers/fixtures.js';
import { demoBundle } from '../secrets/fixtures.js';
import { ETCD_WAIT_MS as WAIT_MS, HAVE_ETCD, LOOPBACK_REWRITTEN_KEYS, startEtcdCluster, type EtcdCluster } from '../helpers/etcdCluster.js';

const MEMBERS = ['etcd-1', 'etcd-2', 'etcd-3'];

describe.skipIf(!HAVE_ETCD)('IPv6 external etcd: 3 etcd 3.4 members on [::1] from the generated etcd.env and certificates', () => {
  let etcd: EtcdCluster;

  beforeAll(async () => {
    const model = loadExample('ipv6');
    // etcd checks validity against the real clock: a bundle dated now.
    const bundle = await demoBundle(model, new Date());
    const plans = planCluster(model, await issuePki(model, bundle));
    etcd = await startEtcdCluster({ plans, members: MEMBERS, clientNode: 'cp-1', loopback: '::1', scratchName: 'ipv6-etcd' });
    await etcd.waitHealthy(etcd.members, 3);
  }, WAIT_MS + 20_000);

  afterAll(async () => {
    await etcd?.stop();
  });

  test('the generated env has bracketed IPv6 URLs and is passed as generated but for the loopback rewrites', () => {
    for (const m of etcd.members) {
      expect(m.generated.ETCD_INITIAL_CLUSTER).toBe('etcd-1=https://[fd00:10::31]:2380,etcd-2=https://[fd00:10::32]:2380,etcd-3=https://[fd00:10::33]:2380');
      expect(m.generated.ETCD_ADVERTISE_CLIENT_URLS).toBe(`https://[${m.address}]:2379`);
      expect(m.generated.ETCD_LISTEN_PEER_URLS).toBe(`https://[${m.address}]:2380`);
      const changed = Object.keys(m.generated).filter((k) => m.generated[k] !== m.env[k]).sort();
      expect(changed, m.name).toEqual(LOOPBACK_REWRITTEN_KEYS);
      // Only the hosts and ports moved: every URL stays IPv6 in brackets.
      for (const k of ['ETCD_ADVERTISE_CLIENT_URLS', 'ETCD_LISTEN_PEER_URLS', 'ETCD_INITIAL_ADVERTISE_PEER_URLS', 'ETCD_INITIAL_CLUSTER'])
        expect(m.env[k], `${m.name} ${k}`).toMatch(/^(?:(?:etcd-\d=)?https:\/\/\[::1\]:\d+,?)+$/);
    }
  });

  test('etcdctl endpoint health --cluster over IPv6 with the apiserver-etcd-client certificate: 3 healthy members', () => {
    const r = etcd.etcdctl(etcd.members, 'endpoint', 'health', '--cluster');
    expect(r.ok, r.stderr).toBe(true);
    const out = r.stdout + r.stderr;
    expect(out.match(/is healthy/g)).toHaveLength(3);
    for (const m of etcd.members) expect(out).toContain(`https://[::1]:${m.clientPort} is healthy`);
    const list = JSON.parse(etcd.etcdctl(etcd.members, 'member', 'list', '-w', 'json').stdout) as { members: Array<{ name: string; peerURLs: string[] }> };
    expect(list.members.map((x) => x.name).sort()).toEqual(MEMBERS);
    for (const x of list.members) expect(x.peerURLs[0]).toMatch(/^https:\/\/\[::1\]:\d+$/);
  });

  test('the members talk over mutual TLS only: a client without a certificate is refused', () => {
    const r = etcd.etcdctlWithoutCert([etcd.members[0]!], 'endpoint', 'health');
    expect(r.ok).toBe(false);
  });
});
