// kspray upgrade --apply: the whole run with the real kubectl against the local API server, which
// plays the cluster: when an upgrade Job is created the test marks it succeeded (or failed) and the
// node's kubelet as upgraded. Checked at the wire: cordon, drain's evictions, the ConfigMap, each
// Job, uncordon, in plan order; resume after a killed run; a failed Job stops the run.
import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { kubernetesVersions, minorOf } from '../../src/catalog/catalog.js';
import { DRAIN_FLAGS, planUpgrade } from '../../src/lifecycle/upgrade.js';
import { jobOutcome, parseUpgradeState, runUpgrade } from '../../src/lifecycle/upgradeRun.js';
import { printingKubectl } from '../../src/lifecycle/kubectl.js';
import { compileSpec } from '../../src/compileSpec.js';
import { upgradeJobName } from '../../src/lifecycle/upgradeJobs.js';
import { exampleFile, fixtureBundleDir } from '../helpers/fixtures.js';
import { readyNode, runningPod, startKubeApiServer, type KubeApiServer, type Obj, type RecordedRequest } from '../helpers/kubeApiServer.js';
import { runCli } from '../helpers/runCli.js';

const catalog = kubernetesVersions();
const TO = catalog[0]!;
const FROM = catalog.find((v) => minorOf(v) !== minorOf(TO))!;
const NODES = ['cp-1', 'cp-2', 'cp-3', 'worker-1', 'worker-2', 'worker-3'];
const ENV = {
  KSPRAY_UPGRADE_POLL_SECONDS: '0.05',
  KSPRAY_RETRY_DELAY_SECONDS: '0',
  KSPRAY_UPGRADE_JOB_TIMEOUT_SECONDS: '30',
  KSPRAY_UPGRADE_NODE_TIMEOUT_SECONDS: '30',
};

let api: KubeApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** The HA example at FROM, rendered bundle in place, and a cluster whose nodes run FROM. */
async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'kspray-upgrade-run-'));
  writeFileSync(join(dir, 'cluster.yaml'), readFileSync(exampleFile('ha'), 'utf8').replace(/version: "[^"]+"/, `version: "${FROM}"`));
  mkdirSync(join(dir, 'out', 'ha'), { recursive: true });
  cpSync(fixtureBundleDir('ha'), join(dir, 'out', 'ha', 'secrets'), { recursive: true });
  api = await startKubeApiServer();
  for (const n of NODES) api.put('nodes', readyNode(n, FROM));
  api.put('pods', runningPod('default', 'web-1', 'worker-1'));
  api.put('pods', runningPod('default', 'web-2', 'worker-2'));
  const args = ['upgrade', '-f', 'cluster.yaml', '-o', 'out', '--to', TO, '--apply', '--kubeconfig', api.kubeconfig];
  return { dir, args, api };
}

/** Plays the nodes: a created upgrade Job succeeds (or fails, for `failOn`) and its node reports TO. */
function playCluster(a: KubeApiServer, failOn?: string, onJob?: (node: string) => void) {
  a.onChange = ({ verb, plural, obj }) => {
    if (plural !== 'jobs' || verb !== 'create') return;
    const node = obj.spec.template.spec.nodeName as string;
    onJob?.(node);
    if (node === failOn) {
      obj.status = { failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] };
      return;
    }
    obj.status = { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] };
    a.get('nodes', node)!.status.nodeInfo.kubeletVersion = `v${TO}`;
  };
}

/** The writes as short words: cordon/uncordon NODE, evict POD, apply configmap/job NAME, delete ... */
function writes(reqs: RecordedRequest[]): string[] {
  return reqs
    .filter((q) => q.method !== 'GET')
    .map((q) => {
      const last = q.path.split('/').at(-1)!;
      if (q.path.startsWith('/api/v1/nodes/') && q.method === 'PATCH') return `${q.body?.spec?.unschedulable ? 'cordon' : 'uncordon'} ${last}`;
      if (last === 'eviction') return `evict ${q.path.split('/').at(-2)}`;
      if (q.method === 'PATCH') return `apply ${q.path.split('/').at(-2)}/${last}`;
      return `${q.method} ${q.path}`;
    });
}

const perNode = (node: string, evict?: string) => [`cordon ${node}`, ...(evict ? [`evict ${evict}`] : []), `apply jobs/${upgradeJobName(TO, node)}`, `uncordon ${node}`];

describe('kspray upgrade --apply against the local API server', () => {
  it('upgrades control planes one at a time, then workers, each cordoned, drained, Job, kubelet checked, uncordoned', async () => {
    const { dir, args, api } = await setup();
    playCluster(api);
    const r = await runCli(args, dir, ENV);
    expect(r.status, r.stderr).toBe(0);
    const [first, ...rest] = NODES;
    expect(writes(api.requests)).toEqual([
      `cordon ${first}`,
      `apply configmaps/kspray-upgrade-${TO.replace(/\./g, '-')}`,
      `apply jobs/${upgradeJobName(TO, first!)}`,
      `uncordon ${first}`,
      ...rest.flatMap((n) => perNode(n, { 'worker-1': 'web-1', 'worker-2': 'web-2' }[n])),
      // Cleanup: kubectl deletes what the label selects (the Jobs and the ConfigMap).
      ...NODES.map((n) => `DELETE /apis/batch/v1/namespaces/kube-system/jobs/${upgradeJobName(TO, n)}`),
      `DELETE /api/v1/namespaces/kube-system/configmaps/kspray-upgrade-${TO.replace(/\./g, '-')}`,
    ]);
    // The drain evicted with Kubespray's grace period.
    expect(api.requests.find((q) => q.path.endsWith('/eviction'))!.body!.deleteOptions.gracePeriodSeconds).toBe(300);
    // Every node is at TO, schedulable; the state file records them all.
    for (const n of NODES) {
      expect(api.get('nodes', n)!.status.nodeInfo.kubeletVersion).toBe(`v${TO}`);
      expect(api.get('nodes', n)!.spec.unschedulable).toBeUndefined();
    }
    const state = JSON.parse(readFileSync(join(dir, 'out', 'ha', `upgrade-${TO}.state.json`), 'utf8'));
    expect(Object.keys(state.done).sort()).toEqual(NODES);
    expect(r.stdout).toContain(`spec.kubernetes.version: "${TO}"`);

    // The Jobs as sent: the first control plane runs `upgrade apply`, the others `upgrade node`.
    const jobs = api.requests.filter((q) => q.method === 'PATCH' && q.path.includes('/jobs/')).map((q) => q.body as Obj);
    expect(jobs.map((j) => j.spec.template.spec.nodeName)).toEqual(NODES);
    const cmd = (j: Obj) => j.spec.template.spec.containers[0].command[2] as string;
    expect(cmd(jobs[0]!)).toContain(`kspray-node.sh --upgrade ${TO} apply`);
    for (const j of jobs.slice(1)) expect(cmd(j)).toContain(`kspray-node.sh --upgrade ${TO} node`);
    const pod = jobs[0]!.spec.template.spec;
    expect(pod).toMatchObject({ hostPID: true, restartPolicy: 'Never', tolerations: [{ operator: 'Exists' }] });
    expect(pod.containers[0].securityContext.privileged).toBe(true);
    expect(pod.volumes[0]).toEqual({ name: 'host', hostPath: { path: '/', type: 'Directory' } });
    expect(cmd(jobs[0]!)).toContain('exec nsenter -t 1 -m -u -i -n -p -- bash');
    expect(jobs[0]!.spec.backoffLimit).toBe(0);
    // The ConfigMap: the program with its upgrade mode and the target's verified downloads.
    const cm = api.requests.find((q) => q.method === 'PATCH' && q.path.includes('/configmaps/'))!.body as Obj;
    expect(cm.data['kspray-node.sh']).toContain('upgrade_main');
    expect(cm.data['downloads-amd64.tsv']).toMatch(new RegExp(`^kubeadm\\thttps://dl\\.k8s\\.io/release/v${TO.replace(/\./g, '\\.')}/bin/linux/amd64/kubeadm\\t[0-9a-f]{64}\\n`));
    expect(cm.data['downloads-amd64.tsv'].split('\n').filter(Boolean).map((l: string) => l.split('\t')[0])).toEqual(['kubeadm', 'kubelet', 'kubectl']);

    // Run again: every kubelet reports TO, so nothing is cordoned or created; only the cleanup.
    const before = api.requests.length;
    const again = await runCli(args, dir, ENV);
    expect(again.status, again.stderr).toBe(0);
    expect(writes(api.requests.slice(before))).toEqual([]);
    expect(again.stderr).toContain('cp-1: kubelet already reports');
  });

  it('stops at a failed Job with a clear error, the node left cordoned and the rest untouched', async () => {
    const { dir, args, api } = await setup();
    playCluster(api, 'worker-2');
    const r = await runCli(args, dir, ENV);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`error[upgrade-job-failed]: the upgrade Job kube-system/${upgradeJobName(TO, 'worker-2')} on worker-2 failed; the upgrade stopped, worker-2 stays cordoned`);
    expect(r.stderr).toContain(`kubectl -n kube-system logs job/${upgradeJobName(TO, 'worker-2')}`);
    expect(api.get('nodes', 'worker-2')!.spec.unschedulable).toBe(true);
    expect(writes(api.requests).some((w) => w.includes('worker-3'))).toBe(false);
    const state = JSON.parse(readFileSync(join(dir, 'out', 'ha', `upgrade-${TO}.state.json`), 'utf8'));
    expect(Object.keys(state.done).sort()).toEqual(['cp-1', 'cp-2', 'cp-3', 'worker-1']);

    // Rerun: the failed Job is still there, so the run stops again (no retry behind the user's back).
    const again = await runCli(args, dir, ENV);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('failed in an earlier run');
    // Once deleted, the rerun upgrades worker-2 and worker-3 only.
    playCluster(api);
    api.store.get('jobs')!.delete(`kube-system/${upgradeJobName(TO, 'worker-2')}`);
    const before = api.requests.length;
    const third = await runCli(args, dir, ENV);
    expect(third.status, third.stderr).toBe(0);
    expect(writes(api.requests.slice(before)).filter((w) => !w.startsWith('DELETE'))).toEqual([
      'apply configmaps/kspray-upgrade-' + TO.replace(/\./g, '-'),
      `apply jobs/${upgradeJobName(TO, 'worker-2')}`,
      'uncordon worker-2',
      ...perNode('worker-3'),
    ]);
  });

  it('resumes a killed run: finished nodes are skipped, the Job left running is waited for, not recreated', async () => {
    const { dir, args, api } = await setup();
    let kill: (() => void) | undefined;
    // The run dies right after creating worker-1's Job (before that Job finishes).
    api.onChange = ({ verb, plural, obj }) => {
      if (plural !== 'jobs' || verb !== 'create') return;
      const node = obj.spec.template.spec.nodeName as string;
      if (node === 'worker-1') return kill?.();
      obj.status = { succeeded: 1 };
      api.get('nodes', node)!.status.nodeInfo.kubeletVersion = `v${TO}`;
    };
    const r = await runCli(args, dir, ENV, (child) => (kill = () => child.kill('SIGKILL')));
    expect(r.signal).toBe('SIGKILL');
    const state = JSON.parse(readFileSync(join(dir, 'out', 'ha', `upgrade-${TO}.state.json`), 'utf8'));
    expect(Object.keys(state.done).sort()).toEqual(['cp-1', 'cp-2', 'cp-3']);
    expect(api.get('nodes', 'worker-1')!.spec.unschedulable).toBe(true);

    // Rerun; worker-1's Job, still running when kspray first looks, finishes while it waits.
    playCluster(api);
    const before = api.requests.length;
    const jobPath = `/apis/batch/v1/namespaces/kube-system/jobs/${upgradeJobName(TO, 'worker-1')}`;
    let looks = 0;
    api.onRequest = (q) => {
      if (q.method !== 'GET' || q.path !== jobPath || ++looks !== 3) return;
      api.get('jobs', upgradeJobName(TO, 'worker-1'), 'kube-system')!.status = { succeeded: 1 };
      api.get('nodes', 'worker-1')!.status.nodeInfo.kubeletVersion = `v${TO}`;
    };
    const again = await runCli(args, dir, ENV);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain('resuming the upgrade');
    expect(again.stderr).toContain(`Job ${upgradeJobName(TO, 'worker-1')} exists (running), waiting for it`);
    expect(looks).toBeGreaterThanOrEqual(3); // looked (running), polled (running), polled (succeeded)
    expect(writes(api.requests.slice(before)).filter((w) => !w.startsWith('DELETE'))).toEqual([
      // worker-1 is cordoned already (kubectl does not patch again); drain finds no pod left to evict.
      'apply configmaps/kspray-upgrade-' + TO.replace(/\./g, '-'),
      'uncordon worker-1',
      ...perNode('worker-2', 'web-2'),
      ...perNode('worker-3'),
    ]);
  });

  it('refuses before any call: a kubelet beyond the skew policy, a spec node missing from the cluster', async () => {
    const { dir, args, api } = await setup();
    const old = `${TO.split('.')[0]}.${Number(TO.split('.')[1]) - 4}.0`;
    api.get('nodes', 'worker-3')!.status.nodeInfo.kubeletVersion = `v${old}`;
    const r = await runCli(args, dir, ENV);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('error[kubelet-skew]');
    expect(r.stderr).toContain(`worker-3 (${old})`);
    api.store.get('nodes')!.delete('worker-3');
    const m = await runCli(args, dir, ENV);
    expect(m.status).toBe(2);
    expect(m.stderr).toContain('error[upgrade-node-missing]: node worker-3 of the spec is not in the cluster');
    expect(writes(api.requests)).toEqual([]);
  });

  it('--dry-run prints the kubectl calls of a fresh run, in order, and calls nothing', async () => {
    const { dir, args, api } = await setup();
    const r = await runCli([...args, '--dry-run'], dir, ENV);
    expect(r.status, r.stderr).toBe(0);
    expect(api.requests).toEqual([]);
    const k = `kubectl --kubeconfig ${api.kubeconfig}`;
    const calls = r.stdout.split('\n').filter((l) => l.startsWith('kubectl ')).map((l) => l.replace(/ <<'EOF'$/, ''));
    const node = (n: string) => [
      `${k} cordon ${n}`,
      `${k} drain ${n} ${DRAIN_FLAGS.join(' ')}`,
      ...(n === 'cp-1' ? [`${k} apply --server-side --field-manager=kspray -f -`] : []),
      `${k} apply --server-side --field-manager=kspray -f -`,
      `${k} -n kube-system get job ${upgradeJobName(TO, n)} -o json`,
      `${k} get node ${n} -o json`,
      `${k} uncordon ${n}`,
    ];
    expect(calls).toEqual([`${k} get nodes -o json`, ...NODES.flatMap(node), `${k} -n kube-system delete job,configmap -l kspray.io/upgrade-to=${TO} --ignore-not-found`]);
    // The manifests are printed in full (here-documents), e.g. cp-1's Job.
    const docs = r.stdout.split("<<'EOF'\n").slice(1).map((d) => parseYaml(d.split('\nEOF')[0]!) as Obj);
    expect(docs[0]!.kind).toBe('ConfigMap');
    expect(docs[1]).toMatchObject({ kind: 'Job', spec: { template: { spec: { nodeName: 'cp-1' } } } });
    expect(r.stdout).toContain('not run in place: pool batch');
  });
});

describe('upgrade run with external etcd', () => {
  // 1.34 → 1.35 moves etcd 3.5 → 3.6: the external members go first, by hand.
  const from = catalog.find((v) => minorOf(v) === '1.34')!;
  const to = catalog.find((v) => minorOf(v) === '1.35')!;
  const model = compileSpec(readFileSync(exampleFile('external-etcd'), 'utf8').replace(/version: "[^"]+"/, `version: "${from}"`), 'cluster.yaml');
  const plan = planUpgrade(model, to, catalog);
  const run = (etcdUpgraded: boolean, lines: string[]) =>
    runUpgrade({
      kubectl: printingKubectl('kc', (l) => lines.push(l)),
      model,
      plan,
      program: 'p',
      state: { from, to, done: {} },
      save: () => {},
      log: (l) => lines.push(l),
      dryRun: true,
      pollMs: 0,
      jobTimeoutMs: 0,
      nodeTimeoutMs: 0,
      retryDelayMs: 0,
      etcdUpgraded,
    });

  it('refuses until the members (no kubelet, no Job) were upgraded by hand, then runs no Job on them', async () => {
    expect(plan.steps.filter((s) => s.phase === 'etcd').map((s) => s.nodes[0])).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
    const lines: string[] = [];
    await expect(run(false, lines)).rejects.toMatchObject({ problems: [{ rule: 'upgrade-external-etcd' }] });
    expect(lines).toEqual([]);
    await run(true, lines);
    expect(lines.some((l) => l.includes('cordon cp-1'))).toBe(true);
    expect(lines.some((l) => /etcd-\d/.test(l))).toBe(false);
  });
});

describe('upgrade run helpers', () => {
  it('reads a Job outcome from counts or conditions', () => {
    expect(jobOutcome({ status: { succeeded: 1 } })).toBe('succeeded');
    expect(jobOutcome({ status: { conditions: [{ type: 'Complete', status: 'True' }] } })).toBe('succeeded');
    expect(jobOutcome({ status: { conditions: [{ type: 'Failed', status: 'True' }] } })).toBe('failed');
    expect(jobOutcome({ status: { failed: 1 } })).toBe('failed');
    expect(jobOutcome({ status: { active: 1, conditions: [{ type: 'Failed', status: 'False' }] } })).toBe('running');
  });

  it('ignores a state file of another target or a corrupt one', () => {
    expect(parseUpgradeState('{"from":"a","to":"1.36.4","done":{"cp-1":"t"}}', 'a', '1.36.4').done).toEqual({ 'cp-1': 't' });
    expect(parseUpgradeState('{"from":"a","to":"1.36.3","done":{"cp-1":"t"}}', 'a', '1.36.4').done).toEqual({});
    expect(parseUpgradeState('{', 'a', '1.36.4').done).toEqual({});
  });
});
