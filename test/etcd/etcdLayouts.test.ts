// Kubespray's etcd layouts (its CI "ha" mode: etcd on two control planes and one worker) as
// etcd.topology: external, proven with real etcd 3.4: the three members start from what kspray
// generated for cp-1, cp-2 and w-1 (etcd.env and /etc/etcd/pki, rewritten for loopback only by
// test/helpers/etcdCluster.ts, as in externalEtcd.test.ts), form one cluster over mutual TLS, and a control plane's generated
// apiserver-etcd-client certificate sees all three healthy. Member keys are only on members, no node
// holds the etcd CA key.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { issuePki } from '../../src/secrets/index.js';
import { planCluster } from '../../src/plan/planNode.js';
import type { NodePlan } from '../../src/plan/nodePlan.js';
import { loadExample } from '../helpers/fixtures.js';
import { demoBundle } from '../secrets/fixtures.js';
import { ETCD_WAIT_MS as WAIT_MS, HAVE_ETCD, startEtcdCluster, type EtcdCluster } from '../helpers/etcdCluster.js';

const SCENARIO = 'ubuntu-kubespray-ha-layout';
const MEMBERS = ['cp-1', 'cp-2', 'w-1'];

let plans: NodePlan[];
const plan = (name: string) => plans.find((p) => p.node.name === name)!;

beforeAll(async () => {
  const model = loadExample(SCENARIO);
  // etcd checks validity against the real clock: a bundle dated now, not the goldens' fixed clock.
  plans = planCluster(model, await issuePki(model, await demoBundle(model, new Date())));
}, 120_000);

describe(`${SCENARIO}: etcd members on control planes and a worker`, () => {
  test('member certificates only on members, no etcd CA key anywhere, kubeadm points at every member', () => {
    for (const p of plans) {
      const member = MEMBERS.includes(p.node.name);
      expect(p.files.has('/etc/etcd/pki/server.key'), p.node.name).toBe(member);
      expect(p.files.has('/etc/systemd/system/etcd.service'), p.node.name).toBe(member);
      expect([...p.files.keys()].filter((f) => f.endsWith('etcd/ca.key')), p.node.name).toEqual([]);
    }
    // The worker member: its own etcd keys, nothing of the Kubernetes PKI.
    expect([...plan('w-1').files.values()].filter((f) => f.secret).map((f) => f.path).sort()).toEqual(['/etc/etcd/pki/peer.key', '/etc/etcd/pki/server.key']);
    // kubeadm init's ClusterConfiguration (joins read it from the cluster); every control plane waits for them all.
    expect(plan('cp-1').files.get('/etc/kspray/kubeadm.yaml')!.content).toMatch(/external:\n\s+endpoints:\n\s+- https:\/\/10\.0\.0\.11:2379\n\s+- https:\/\/10\.0\.0\.12:2379\n\s+- https:\/\/10\.0\.0\.21:2379\n/);
    for (const cp of ['cp-1', 'cp-2']) expect(plan(cp).files.get('/etc/kspray/node.env')!.content).toContain("KSPRAY_ETCD_ENDPOINTS='https://10.0.0.11:2379 https://10.0.0.12:2379 https://10.0.0.21:2379'");
    for (const m of MEMBERS) expect(plan(m).files.get('/etc/kspray/node.env')!.content).toContain("KSPRAY_ETCD_MEMBER='yes'");
  });
});

describe.skipIf(!HAVE_ETCD)(`${SCENARIO}: three real etcd members from the generated files`, () => {
  let etcd: EtcdCluster;

  beforeAll(async () => {
    // cp-2 is a member and a control plane: its apiserver-etcd-client is what kube-apiserver uses.
    etcd = await startEtcdCluster({ plans, members: MEMBERS, clientNode: 'cp-2', loopback: '127.0.0.1', scratchName: 'etcd-layouts' });
  }, 60_000);

  afterAll(async () => {
    await etcd?.stop();
  });

  test('form one cluster over mutual TLS, healthy for the control plane\'s apiserver-etcd-client', async () => {
    const out = await etcd.waitHealthy(etcd.members, 3);
    expect((out.match(/is healthy/g) ?? []).length, out).toBe(3);
    const list = etcd.etcdctl(etcd.members, 'member', 'list', '-w', 'json');
    expect(list.ok, list.stderr).toBe(true);
    const names = (JSON.parse(list.stdout) as { members: Array<{ name: string }> }).members.map((m) => m.name).sort();
    expect(names).toEqual(MEMBERS);
  }, WAIT_MS + 20_000);
});
