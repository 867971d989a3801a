// kspray remove-node: the planner's refusals and step order, the per-node output diff, and the real
// command (not --dry-run) against a fake kubectl on PATH that records every call.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSpec } from '../../src/compileSpec.js';
import { DRAIN_FLAGS, STACKED_ETCDCTL_TLS, diffOutputs, modelWithout, planRemoveNode, RemoveRefused, specWithout } from '../../src/lifecycle/removeNode.js';
import { exampleFile, fixtureBundleDir, loadExample, renderFixture, repoRoot } from '../helpers/fixtures.js';
import { readyNode, runningPod, startKubeApiServer, type KubeApiServer } from '../helpers/kubeApiServer.js';
import { runCli } from '../helpers/runCli.js';

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof RemoveRefused) return e.problem.rule;
    throw e;
  }
  return 'accepted';
};

describe('remove-node planner', () => {
  const ha = loadExample('ha');

  it('refuses unknown nodes, pools, the last control plane and etcd quorum loss', () => {
    expect(refusal(() => planRemoveNode(ha, 'nope'))).toBe('remove-node-known');
    expect(refusal(() => planRemoveNode(ha, 'batch'))).toBe('remove-node-known');
    expect(refusal(() => planRemoveNode(loadExample('single'), loadExample('single').nodes.find((n) => n.isControlPlane)!.name))).toBe('remove-node-last-control-plane');
    // 3 → 2: even, needs --force; with it, accepted.
    expect(refusal(() => planRemoveNode(ha, 'cp-2'))).toBe('remove-node-etcd-even');
    expect(refusal(() => planRemoveNode(ha, 'cp-2', { force: true }))).toBe('accepted');
    // 2 → 1: the one left is not a majority of 2, even with --force.
    const two = { ...ha, nodes: ha.nodes.filter((n) => n.name !== 'cp-3') };
    expect(refusal(() => planRemoveNode(two, 'cp-2', { force: true }))).toBe('remove-node-etcd-quorum');
    // Workers are always fine.
    expect(refusal(() => planRemoveNode(ha, 'worker-1'))).toBe('accepted');
  });

  it('orders a worker: check, cordon, drain (Kubespray flags, 3 tries), delete', () => {
    const plan = planRemoveNode(ha, 'worker-2');
    expect(plan.steps.map((s) => s.kind === 'kubectl' && [s.args.join(' '), s.tries])).toEqual([
      ['get node worker-2 -o name', 1],
      ['cordon worker-2', 1],
      ['drain --ignore-daemonsets --delete-emptydir-data --force --timeout=360s --grace-period=300 worker-2', 3],
      ['delete node worker-2', 1],
    ]);
  });

  it('removes a stacked member by its exact peer URL through another control plane, before deleting the Node', () => {
    const plan = planRemoveNode(ha, 'cp-1', { force: true });
    expect(plan.steps.map((s) => s.kind)).toEqual(['kubectl', 'kubectl', 'kubectl', 'etcd-remove', 'kubectl']);
    const etcd = plan.steps[3]!;
    expect(etcd.kind === 'etcd-remove' && etcd.peerUrl).toBe('https://10.0.0.11:2380');
    expect(etcd.kind === 'etcd-remove' && etcd.exec).toEqual(['-n', 'kube-system', 'exec', 'etcd-cp-2', '--', 'etcdctl', ...STACKED_ETCDCTL_TLS]);
    expect(plan.notes.join()).toMatch(/cp-2 is first/);
  });

  it('gives an external etcd member manual etcdctl steps only (it is no Kubernetes node)', () => {
    const ext = loadExample('external-etcd');
    const plan = planRemoveNode(ext, 'etcd-2', { force: true });
    expect(plan.steps.map((s) => s.kind)).toEqual(['manual']);
    expect(JSON.stringify(plan.steps)).toContain('https://10.0.1.12:2380');
    // Its control planes are not etcd members: no etcd step.
    expect(planRemoveNode(ext, 'cp-2').steps.map((s) => s.kind)).toEqual(['kubectl', 'kubectl', 'kubectl', 'kubectl']);
  });

  it('lists the other nodes whose outputs change (proxy upstreams, etcd, SANs), nothing for a worker', async () => {
    const text = readFileSync(exampleFile('ha'), 'utf8');
    const before = await renderFixture(ha);
    const withoutWorker = await renderFixture(compileSpec(specWithout(text, 'worker-1'), 'c.yaml'), 'ha');
    expect(withoutWorker.model.nodes.map((n) => n.name)).not.toContain('worker-1');
    expect(diffOutputs(before, withoutWorker)).toEqual([]);

    const withoutCp = await renderFixture(modelWithout(ha, 'cp-3'), 'ha');
    const changes = new Map(diffOutputs(before, withoutCp).map((c) => [c.node, c.files]));
    // Stacked etcd members join through kubeadm: removing cp-3 changes the workers' localhost proxy only.
    expect([...changes.keys()].sort()).toEqual(['batch', 'worker-1', 'worker-2', 'worker-3']);
    expect(changes.get('worker-1')).toContain('/etc/nginx/nginx.conf');
    expect(changes.get('worker-1')).toContain('/etc/kubernetes/manifests/nginx-proxy.yaml');
  });

  it('lists etcd.env and the apiservers\' etcd endpoints when an external etcd member goes', async () => {
    const ext = loadExample('external-etcd');
    const changes = new Map(diffOutputs(await renderFixture(ext), await renderFixture(modelWithout(ext, 'etcd-3'), 'external-etcd')).map((c) => [c.node, c.files]));
    expect(changes.get('etcd-1')).toContain('/etc/etcd/etcd.env');
    expect(changes.get('cp-1')).toContain('/etc/kspray/kubeadm.yaml');
    expect(changes.has('worker-1')).toBe(false);
  });

  it('derives the model without the first control plane like toModel does', () => {
    const m = modelWithout(ha, 'cp-1');
    expect(m.nodes.find((n) => n.isFirstControlPlane)?.name).toBe('cp-2');
    expect(m.controlPlane.kubeadmEndpoint).toBe('10.0.0.12:6443');
    expect(ha.nodes.find((n) => n.name === 'cp-2')!.isFirstControlPlane).toBe(false);
  });
});

// etcdctl member list -w json, uint64 IDs; 10.0.0.121 is listed first so a substring match would pick it.
const MEMBERS = `{"header":{"cluster_id":17237436991929493444,"member_id":18249187646912138824,"raft_term":2},"members":[
{"ID":9372538179322589801,"name":"cp-21","peerURLs":["https://10.0.0.121:2380"],"clientURLs":["https://10.0.0.121:2379"],"isLearner":true},
{"ID":18249187646912138824,"name":"cp-1","peerURLs":["https://10.0.0.11:2380"],"clientURLs":["https://10.0.0.11:2379"]},
{"ID":10501334649042878790,"name":"cp-2","peerURLs":["https://10.0.0.12:2380"],"clientURLs":["https://10.0.0.12:2379"]},
{"ID":1234,"name":"cp-3","peerURLs":["https://10.0.0.13:2380"],"clientURLs":["https://10.0.0.13:2379"]}]}`;

describe('kspray remove-node (CLI, fake kubectl)', () => {
  const cli = join(repoRoot, 'dist', 'cli', 'main.js');

  function setup(failOn?: string) {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-remove-'));
    copyFileSync(exampleFile('ha'), join(dir, 'cluster.yaml'));
    mkdirSync(join(dir, 'out', 'ha'), { recursive: true });
    cpSync(fixtureBundleDir('ha'), join(dir, 'out', 'ha', 'secrets'), { recursive: true });
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(dir, 'members.json'), MEMBERS);
    // Logs its argv (one call a line, arguments separated by spaces) and answers what remove-node asks.
    writeFileSync(
      join(bin, 'kubectl'),
      `#!/usr/bin/env bash
printf '%s\\n' "$*" >>"${join(dir, 'calls.log')}"
case " $* " in
  *" ${failOn ?? '@never@'} "*) echo "error: simulated failure" >&2; exit 1 ;;
  *" get node "*) echo "node/$5" ;;
  *" member list -w json "*) cat "${join(dir, 'members.json')}" ;;
  *" member remove "*) echo "Member \${*: -1} removed from cluster" ;;
  *) echo ok ;;
esac
`,
    );
    chmodSync(join(bin, 'kubectl'), 0o755);
    const run = (args: string[]) =>
      spawnSync(process.execPath, [cli, ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, KSPRAY_RETRY_DELAY_SECONDS: '0' },
      });
    const calls = () => {
      try {
        return readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n');
      } catch {
        return [];
      }
    };
    return { run, calls };
  }

  it('runs cordon, drain, etcd member remove (exact peer URL) and delete, in order', () => {
    const { run, calls } = setup();
    const r = run(['remove-node', 'cp-2', '-f', 'cluster.yaml', '-o', 'out', '--force', '--kubeconfig', 'kc.conf']);
    expect(r.status, r.stderr).toBe(0);
    const etcdctl = ['-n', 'kube-system', 'exec', 'etcd-cp-1', '--', 'etcdctl', ...STACKED_ETCDCTL_TLS].join(' ');
    expect(calls()).toEqual([
      '--kubeconfig kc.conf get node cp-2 -o name',
      '--kubeconfig kc.conf cordon cp-2',
      `--kubeconfig kc.conf drain ${DRAIN_FLAGS.join(' ')} cp-2`,
      `--kubeconfig kc.conf ${etcdctl} member list -w json`,
      // 10501334649042878790 = 0x91bc3c398fb3c146: cp-2's member, not cp-21's (https://10.0.0.121:2380).
      `--kubeconfig kc.conf ${etcdctl} member remove 91bc3c398fb3c146`,
      '--kubeconfig kc.conf delete node cp-2',
    ]);
    expect(r.stdout).toMatch(/worker-1: .*\/etc\/nginx\/nginx.conf/);
  });

  it('--dry-run runs nothing; refusals exit 2 before any call', () => {
    const { run, calls } = setup();
    const d = run(['remove-node', 'worker-1', '-f', 'cluster.yaml', '-o', 'out', '--dry-run']);
    expect(d.status, d.stderr).toBe(0);
    expect(d.stdout).toContain('kubectl --kubeconfig out/ha/admin.conf drain --ignore-daemonsets');
    expect(d.stdout).toMatch(/outputs that change on other nodes:\n {2}none/);
    const r = run(['remove-node', 'cp-2', '-f', 'cluster.yaml', '-o', 'out']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('error[remove-node-etcd-even]');
    expect(calls()).toEqual([]);
  });

  it('retries the drain 3 times, then stops with exit 1 before deleting anything', () => {
    const { run, calls } = setup('drain');
    const r = run(['remove-node', 'worker-1', '-f', 'cluster.yaml', '-o', 'out']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error[remove-node-step]: step failed: drain worker-1');
    expect(r.stderr).toContain('simulated failure');
    expect(calls().map((c) => c.split(' ')[2])).toEqual(['get', 'cordon', 'drain', 'drain', 'drain']);
  });
});

describe('kspray remove-node (CLI, real kubectl against the local API server)', () => {
  let api: KubeApiServer | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  function setup() {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-remove-api-'));
    copyFileSync(exampleFile('ha'), join(dir, 'cluster.yaml'));
    mkdirSync(join(dir, 'out', 'ha'), { recursive: true });
    cpSync(fixtureBundleDir('ha'), join(dir, 'out', 'ha', 'secrets'), { recursive: true });
    return dir;
  }

  it('cordons, drains (evicting the pods, not the DaemonSet\'s) and deletes a worker, in that wire order', async () => {
    api = await startKubeApiServer();
    for (const n of ['cp-1', 'worker-1', 'worker-2']) api.put('nodes', readyNode(n, '1.34.3'));
    api.put('daemonsets', { metadata: { name: 'calico-node', namespace: 'kube-system' }, spec: {}, status: {} });
    api.put('pods', runningPod('kube-system', 'calico-node-w1', 'worker-1', 'calico-node'));
    api.put('pods', runningPod('default', 'app-1', 'worker-1'));
    api.put('pods', runningPod('default', 'app-2', 'worker-2'));
    const dir = setup();
    const r = await runCli(['remove-node', 'worker-1', '-f', 'cluster.yaml', '-o', 'out', '--kubeconfig', api.kubeconfig], dir, { KSPRAY_RETRY_DELAY_SECONDS: '0' });
    expect(r.status, r.stderr).toBe(0);
    const writes = api.calls().filter((q) => q.method !== 'GET').map((q) => `${q.method} ${q.path}${q.body?.spec?.unschedulable ? ' unschedulable' : ''}`);
    expect(writes).toEqual([
      'PATCH /api/v1/nodes/worker-1 unschedulable', // cordon (drain finds it cordoned already)
      'POST /api/v1/namespaces/default/pods/app-1/eviction',
      'DELETE /api/v1/nodes/worker-1',
    ]);
    expect(api.get('nodes', 'worker-1')).toBeUndefined();
    expect(api.get('pods', 'app-2', 'default')).toBeDefined();
    expect(api.get('pods', 'calico-node-w1', 'kube-system')).toBeDefined();
  });

  it('stops before cordoning when the node is not in the cluster', async () => {
    api = await startKubeApiServer();
    api.put('nodes', readyNode('worker-2', '1.34.3'));
    const r = await runCli(['remove-node', 'worker-1', '-f', 'cluster.yaml', '-o', 'out', '--kubeconfig', api.kubeconfig], setup(), { KSPRAY_RETRY_DELAY_SECONDS: '0' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('step failed: check that node worker-1 exists');
    expect(r.stderr).toContain('not found');
    expect(api.calls().filter((q) => q.method !== 'GET')).toEqual([]);
  });
});
