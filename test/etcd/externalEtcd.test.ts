// The proof for etcd.topology: external. Three real etcd processes (Debian's etcd-server 3.4) start
// from what kspray GENERATED for the three etcd nodes of examples/external-etcd: the ETCD_* variables
// of each node's /etc/etcd/etcd.env (given to etcd as its environment, as the unit's EnvironmentFile
// does) and the certificates in its /etc/etcd/pki. They form a cluster over mutual TLS; the control
// plane's generated apiserver-etcd-client certificate passes `etcdctl endpoint health --cluster`;
// then one member is removed and re-added the way `kspray remove-node` does it
// (src/lifecycle/etcdMembers.ts), and the cluster keeps quorum and data throughout.
//
// The loopback rewrites (and nothing else: asserted below) are test/helpers/etcdCluster.ts'.
// etcd 3.4 warns about, but otherwise ignores, an ETCD_* variable it does not know: the logs are
// checked for that warning, so every generated variable is one etcd 3.4 reads (the catalog's 3.6
// reads them all too; see src/plan/builders/etcd.ts for what is left out and why).
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { issuePki } from '../../src/secrets/index.js';
import type { SecretsBundle } from '../../src/secrets/types.js';
import { planCluster } from '../../src/plan/planNode.js';
import type { NodePlan } from '../../src/plan/nodePlan.js';
import { memberAddArgs, parseMemberList, planMemberRemoval, rejoinEnv } from '../../src/lifecycle/etcdMembers.js';
import { loadExample } from '../helpers/fixtures.js';
import { demoBundle } from '../secrets/fixtures.js';
import { stopChild } from '../helpers/net.js';
import { ETCD_WAIT_MS as WAIT_MS, HAVE_ETCD, LOOPBACK_REWRITTEN_KEYS, startEtcdCluster, type EtcdCluster } from '../helpers/etcdCluster.js';

const MEMBERS = ['etcd-1', 'etcd-2', 'etcd-3'];

if (!HAVE_ETCD) console.warn('skipping the external etcd test: etcd or etcdctl is missing (CI installs etcd-server and etcd-client)');

describe.skipIf(!HAVE_ETCD)('external etcd: 3 etcd 3.4 members from the generated etcd.env and certificates', () => {
  let etcd: EtcdCluster;
  let plans: NodePlan[];
  let bundle: SecretsBundle;
  const byName = (n: string) => etcd.members.find((m) => m.name === n)!;

  beforeAll(async () => {
    const model = loadExample('external-etcd');
    // etcd checks validity against the real clock: a bundle dated now, not the goldens' fixed clock.
    bundle = await demoBundle(model, new Date());
    plans = planCluster(model, await issuePki(model, bundle));
    etcd = await startEtcdCluster({ plans, members: MEMBERS, clientNode: 'cp-1', loopback: '127.0.0.1', scratchName: 'external-etcd' });
    await etcd.waitHealthy(etcd.members, 3);
  }, WAIT_MS + 20_000);

  afterAll(async () => {
    await etcd?.stop();
  });

  test('the generated env is passed as generated, but for the documented loopback rewrites', () => {
    for (const m of etcd.members) {
      const changed = Object.keys(m.generated).filter((k) => m.generated[k] !== m.env[k]).sort();
      expect(changed, m.name).toEqual(LOOPBACK_REWRITTEN_KEYS);
      expect(m.generated.ETCD_INITIAL_CLUSTER).toBe('etcd-1=https://10.0.1.11:2380,etcd-2=https://10.0.1.12:2380,etcd-3=https://10.0.1.13:2380');
      expect(m.generated.ETCD_INITIAL_CLUSTER_STATE).toBe('new');
      expect(m.generated.ETCD_INITIAL_CLUSTER_TOKEN).toBe('external-etcd');
      expect(m.generated.ETCD_CLIENT_CERT_AUTH).toBe('true');
      expect(m.generated.ETCD_PEER_CLIENT_CERT_AUTH).toBe('true');
      expect(m.generated.ETCD_LISTEN_CLIENT_URLS).toBe(`https://${m.address}:2379,https://127.0.0.1:2379`);
    }
  });

  test('every generated variable is one etcd 3.4 knows (no "unrecognized environment variable")', () => {
    for (const m of etcd.members) {
      const log = readFileSync(m.log, 'utf8');
      expect(log, m.name).not.toMatch(/unrecognized environment variable/i);
      expect(log, m.name).toMatch(/ready to serve client requests/);
    }
  });

  test('etcdctl endpoint health --cluster succeeds with the generated apiserver-etcd-client certificate', async () => {
    const r = etcd.etcdctl(etcd.members, 'endpoint', 'health', '--cluster');
    expect(r.ok, r.stderr).toBe(true);
    expect((r.stdout + r.stderr).match(/is healthy/g)).toHaveLength(3);
    const list = parseMemberList(etcd.etcdctl(etcd.members, 'member', 'list', '-w', 'json').stdout);
    expect(list.map((m) => m.name).sort()).toEqual(MEMBERS);
    const put = await etcd.eventually(etcd.members, 'put', '/registry/kspray', 'before-removal');
    expect(put.ok, put.stderr).toBe(true);
  });

  test('neither the etcd nodes nor the control plane hold a CA key; etcd nodes hold their own keys only', () => {
    const caKeys = [bundle.ca.key, bundle.etcdCa.key, bundle.frontProxyCa.key, bundle.serviceAccount.privateKey].map((k) => k.trim());
    for (const plan of plans) {
      const files = [...plan.files.values()];
      // Nobody gets the etcd CA key with external etcd; etcd members get no CA key at all.
      expect(files.filter((f) => f.content.includes(caKeys[1]!)).map((f) => f.path), plan.node.name).toEqual([]);
      if (plan.node.roles.includes('etcd')) {
        expect(files.filter((f) => caKeys.some((k) => f.content.includes(k))).map((f) => f.path), plan.node.name).toEqual([]);
      }
    }
    for (const name of MEMBERS) {
      const plan = plans.find((p) => p.node.name === name)!;
      expect([...plan.files.values()].filter((f) => f.secret).map((f) => f.path).sort()).toEqual(['/etc/etcd/pki/peer.key', '/etc/etcd/pki/server.key']);
    }
    const cp = plans.find((p) => p.node.name === 'cp-1')!;
    expect(cp.files.has('/etc/kubernetes/pki/etcd/ca.crt')).toBe(true);
    expect(cp.files.has('/etc/kubernetes/pki/etcd/ca.key')).toBe(false);
    expect(cp.files.has('/etc/kubernetes/pki/etcd/server.key')).toBe(false);
  });

  test('a member removed and re-added as `kspray remove-node` does keeps quorum and data', async () => {
    const [one, two, three] = [byName('etcd-1'), byName('etcd-2'), byName('etcd-3')];
    // Remove etcd-3 by its peer URL, through the survivors.
    const listed = await etcd.eventually([one, two], 'member', 'list', '-w', 'json');
    expect(listed.ok, listed.stderr).toBe(true);
    const before = parseMemberList(listed.stdout);
    const plan = planMemberRemoval(before, etcd.peerUrl(three));
    expect(plan.action).toBe('remove');
    if (plan.action !== 'remove') return;
    expect(plan.member.name).toBe('etcd-3');
    // etcd refuses to remove a voting member until the others have been connected for a few
    // seconds (strict reconfig check: "unhealthy cluster"); eventually() retries that.
    const removed = await etcd.eventually([one, two], ...plan.args);
    expect(removed.ok, removed.stderr).toBe(true);
    await stopChild(three.process);
    await etcd.waitHealthy([one, two], 2);
    const put = await etcd.eventually([one, two], 'put', '/registry/kspray', 'during-removal');
    expect(put.ok, put.stderr).toBe(true);
    expect(planMemberRemoval(parseMemberList((await etcd.eventually([one, two], 'member', 'list', '-w', 'json')).stdout), etcd.peerUrl(three)).action).toBe('absent');

    // Re-add it: member add, an empty data dir, the generated env joining the existing cluster.
    const added = await etcd.eventually([one, two], ...memberAddArgs('etcd-3', etcd.peerUrl(three)));
    expect(added.ok, added.stderr).toBe(true);
    const after = parseMemberList((await etcd.eventually([one, two], 'member', 'list', '-w', 'json')).stdout);
    rmSync(three.env.ETCD_DATA_DIR!, { recursive: true, force: true });
    const env = rejoinEnv(three.env, after, 'etcd-3', etcd.peerUrl(three));
    expect(env.ETCD_INITIAL_CLUSTER).toBe(`etcd-1=${etcd.peerUrl(one)},etcd-2=${etcd.peerUrl(two)},etcd-3=${etcd.peerUrl(three)}`);
    etcd.start(three, env);
    await etcd.waitHealthy(etcd.members, 3);
    // A linearizable read through the re-added member: it must have caught up.
    const get = await etcd.eventually([three], 'get', '/registry/kspray', '--print-value-only');
    expect(get.ok, get.stderr).toBe(true);
    expect(get.stdout.trim()).toBe('during-removal');
  }, 6 * WAIT_MS);
});

