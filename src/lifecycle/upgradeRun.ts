// `kspray upgrade --to VERSION --apply`: runs the ordered plan (lifecycle/upgrade.ts) in place
// through the API, with kubectl only (lifecycle/kubectl.ts). Per batch (control planes one at a
// time, the first with `kubeadm upgrade apply`; then workers in batches of 20%): cordon, drain
// (Kubespray's flags and retries), a privileged Job per node running the node program's upgrade
// mode (lifecycle/upgradeJobs.ts), wait for it, wait for the node to report the new kubelet and be
// Ready, uncordon. Progress goes to a state file after every node (the caller writes it, through
// io/files.ts); a rerun skips nodes whose kubelet already reports the target version.
import { KsprayError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { ClusterModel, NodeModel } from '../model/model.js';
import { sleep, type Kubectl } from './kubectl.js';
import { DRAIN_FLAGS, DRAIN_RETRIES, type UpgradePlan } from './upgrade.js';
import { UPGRADE_LABEL, UPGRADE_NAMESPACE, upgradeConfigMap, upgradeJob, upgradeJobName } from './upgradeJobs.js';

export interface UpgradeState {
  from: string;
  to: string;
  /** Node name → when kspray saw it upgraded (kubelet at the target, Ready) and uncordoned it. */
  done: Record<string, string>;
}

export const upgradeStateFile = (to: string) => `upgrade-${to}.state.json`;

export function parseUpgradeState(text: string | undefined, from: string, to: string): UpgradeState {
  const fresh: UpgradeState = { from, to, done: {} };
  if (!text) return fresh;
  try {
    const s = JSON.parse(text) as Partial<UpgradeState>;
    return s.to === to && s.done && typeof s.done === 'object' ? { from: s.from ?? from, to, done: { ...s.done } } : fresh;
  } catch {
    return fresh;
  }
}

export interface ObservedNode {
  kubeletVersion: string;
  ready: boolean;
  unschedulable: boolean;
}

export function parseNode(obj: any): ObservedNode {
  return {
    kubeletVersion: String(obj?.status?.nodeInfo?.kubeletVersion ?? '').replace(/^v/, ''),
    ready: (obj?.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'),
    unschedulable: obj?.spec?.unschedulable === true,
  };
}

/** Every node the API knows (`kubectl get nodes -o json`), by name. */
export async function observeNodes(k: Kubectl): Promise<Map<string, ObservedNode>> {
  const r = await k.run(['get', 'nodes', '-o', 'json']);
  if (!r.ok) throw new KsprayError('failure', [messages.upgradeStepFailed('list the nodes (kubectl get nodes)', r.detail)]);
  const list = JSON.parse(r.stdout) as { items?: any[] };
  return new Map((list.items ?? []).map((n) => [String(n.metadata?.name), parseNode(n)]));
}

type JobOutcome = 'succeeded' | 'failed' | 'running';

export function jobOutcome(job: any): JobOutcome {
  const cond = (type: string) => (job?.status?.conditions ?? []).some((c: any) => c.type === type && c.status === 'True');
  if ((job?.status?.succeeded ?? 0) >= 1 || cond('Complete')) return 'succeeded';
  if ((job?.status?.failed ?? 0) >= 1 || cond('Failed')) return 'failed';
  return 'running';
}

export interface RunOptions {
  kubectl: Kubectl;
  model: ClusterModel;
  plan: UpgradePlan;
  /** The node program with its upgrade mode (plan/nodeProgram.ts fullNodeProgram). */
  program: string;
  state: UpgradeState;
  save(state: UpgradeState): void;
  log(line: string): void;
  /** Print the calls of a fresh run (every poll once) instead of running them. */
  dryRun: boolean;
  pollMs: number;
  jobTimeoutMs: number;
  nodeTimeoutMs: number;
  retryDelayMs: number;
  /** External etcd members were upgraded by hand (they run no kubelet, so no Job can reach them). */
  etcdUpgraded?: boolean;
}

interface Batch {
  title: string;
  nodes: NodeModel[];
  mode: 'apply' | 'node';
}

/** The plan's control-plane and worker steps as batches of nodes (pools and etcd are not run here). */
export function upgradeBatches(model: ClusterModel, plan: UpgradePlan): Batch[] {
  const byName = new Map(model.nodes.map((n) => [n.name, n]));
  let first = true;
  return plan.steps
    .filter((s) => s.phase === 'control-plane' || s.phase === 'workers')
    .map((s) => {
      const mode = s.phase === 'control-plane' && first ? 'apply' : 'node';
      if (s.phase === 'control-plane') first = false;
      return { title: s.title, nodes: s.nodes.map((n) => byName.get(n)!), mode };
    });
}

export async function runUpgrade(o: RunOptions): Promise<void> {
  const { kubectl: k, plan } = o;
  const to = plan.to;
  const etcd = plan.steps.filter((s) => s.phase === 'etcd').flatMap((s) => s.nodes);
  if (etcd.length && !o.etcdUpgraded) throw new KsprayError('input', [messages.upgradeExternalEtcdManual(etcd, plan.componentChanges.find((c) => c.component === 'etcd')?.to ?? '')]);
  const batches = upgradeBatches(o.model, plan);
  const fail = (what: string, detail: string, hint?: string) => new KsprayError('failure', [messages.upgradeStepFailed(what, detail, hint)]);
  const must = async (what: string, args: string[], stdin?: string) => {
    const r = await k.run(args, stdin);
    if (!r.ok) throw fail(what, r.detail);
    return r.stdout;
  };

  const getNode = async (name: string): Promise<ObservedNode> => parseNode(JSON.parse(await must(`get node ${name}`, ['get', 'node', name, '-o', 'json']) || '{}'));

  /** Polls `check` every pollMs until it returns true; once in a dry run. */
  const until = async (what: string, timeoutMs: number, check: () => Promise<boolean>, hint: string) => {
    const deadline = Date.now() + timeoutMs;
    if (o.dryRun) {
      o.log(`# repeated every ${o.pollMs / 1000}s until ${what} (at most ${timeoutMs / 1000}s):`);
      await check();
      return;
    }
    while (!(await check())) {
      if (Date.now() > deadline) throw fail(`waiting until ${what}`, `not after ${timeoutMs / 1000}s`, hint);
      await sleep(o.pollMs);
    }
  };

  let configMapApplied = false;
  const done = Object.keys(o.state.done);
  if (done.length && !o.dryRun) o.log(`resuming the upgrade to ${to}: done before: ${done.join(', ')}`);

  for (const [i, batch] of batches.entries()) {
    o.log(`${o.dryRun ? '# ' : ''}[${i + 1}/${batches.length}] ${batch.title}`);
    const pending: NodeModel[] = [];
    for (const node of batch.nodes) {
      if (o.dryRun) {
        pending.push(node);
        continue;
      }
      // The API decides, not the state file: a node recorded done but not at the target is redone.
      const seen = await getNode(node.name);
      if (seen.kubeletVersion === to) {
        if (seen.unschedulable) await must(`uncordon ${node.name}`, ['uncordon', node.name]);
        if (!o.state.done[node.name]) {
          o.state.done[node.name] = new Date().toISOString();
          o.save(o.state);
        }
        o.log(`  ${node.name}: kubelet already reports v${to}, skipped`);
        continue;
      }
      if (o.state.done[node.name]) o.log(`  ${node.name}: recorded as done but its kubelet reports v${seen.kubeletVersion}: upgrading it again`);
      pending.push(node);
    }
    if (!pending.length) continue;

    for (const node of pending) {
      await must(`cordon ${node.name}`, ['cordon', node.name]);
      const drainArgs = ['drain', node.name, ...DRAIN_FLAGS];
      if (o.dryRun) o.log(`# up to ${DRAIN_RETRIES} tries, ${o.retryDelayMs / 1000}s apart:`);
      let r = await k.run(drainArgs);
      for (let t = 2; !r.ok && t <= DRAIN_RETRIES; t++) {
        o.log(`  drain ${node.name} failed (${r.detail}); try ${t}/${DRAIN_RETRIES} in ${o.retryDelayMs / 1000}s`);
        await sleep(o.retryDelayMs);
        r = await k.run(drainArgs);
      }
      if (!r.ok) throw fail(`drain ${node.name} (${DRAIN_RETRIES} tries)`, r.detail, `${node.name} stays cordoned; fix what blocks the eviction (e.g. a PodDisruptionBudget), then run the same command again.`);
    }
    if (!configMapApplied) {
      // Every node that runs a Job: its architecture's downloads list must be in the ConfigMap.
      const all = batches.flatMap((b) => b.nodes);
      await must('apply the upgrade ConfigMap', ['apply', '--server-side', '--field-manager=kspray', '-f', '-'], upgradeConfigMap(o.model, to, all, o.program));
      configMapApplied = true;
    }
    for (const node of pending) {
      const name = upgradeJobName(to, node.name);
      const mode = batch.mode;
      const existing = o.dryRun ? '' : await must(`get job ${name}`, ['-n', UPGRADE_NAMESPACE, 'get', 'job', name, '-o', 'json', '--ignore-not-found']);
      if (existing.trim()) {
        const outcome = jobOutcome(JSON.parse(existing));
        if (outcome === 'failed') throw new KsprayError('failure', [messages.upgradeJobFailed(node.name, name, UPGRADE_NAMESPACE, true)]);
        o.log(`  ${node.name}: Job ${name} exists (${outcome}), waiting for it`);
        continue;
      }
      await must(`create Job ${name}`, ['apply', '--server-side', '--field-manager=kspray', '-f', '-'], upgradeJob(o.model, node, to, mode));
      o.log(`${o.dryRun ? '# ' : '  '}${node.name}: Job ${name} runs kspray-node.sh --upgrade ${to} ${mode}`);
    }
    for (const node of pending) {
      const name = upgradeJobName(to, node.name);
      await until(`Job ${name} succeeds`, o.jobTimeoutMs, async () => {
        const job = await must(`get job ${name}`, ['-n', UPGRADE_NAMESPACE, 'get', 'job', name, '-o', 'json']);
        const outcome = o.dryRun ? 'succeeded' : jobOutcome(JSON.parse(job));
        if (outcome === 'failed') throw new KsprayError('failure', [messages.upgradeJobFailed(node.name, name, UPGRADE_NAMESPACE, false)]);
        return outcome === 'succeeded';
      }, `See kubectl -n ${UPGRADE_NAMESPACE} logs job/${name}; ${node.name} stays cordoned.`);
    }
    for (const node of pending) {
      let seen: ObservedNode;
      await until(`${node.name} reports kubelet v${to} and is Ready`, o.nodeTimeoutMs, async () => {
        const out = await must(`get node ${node.name}`, ['get', 'node', node.name, '-o', 'json']);
        if (o.dryRun) return true;
        seen = parseNode(JSON.parse(out));
        return seen.kubeletVersion === to && seen.ready;
      }, `The Job succeeded but the kubelet on ${node.name} does not report v${to}: check \`systemctl status kubelet\` there (the node program's status is /var/lib/kspray/status).`);
      await must(`uncordon ${node.name}`, ['uncordon', node.name]);
      if (!o.dryRun) {
        o.state.done[node.name] = new Date().toISOString();
        o.save(o.state);
        o.log(`  ${node.name}: kubelet v${to}, Ready, uncordoned`);
      }
    }
  }
  // Everything done: the Jobs (and their pods) and the ConfigMap go; the state file stays as the record.
  await must('delete the upgrade Jobs and ConfigMap', ['-n', UPGRADE_NAMESPACE, 'delete', 'job,configmap', '-l', `${UPGRADE_LABEL}=${to}`, '--ignore-not-found']);
  for (const s of plan.steps.filter((x) => x.phase === 'pool')) o.log(`${o.dryRun ? '# ' : ''}not run in place: ${s.title}`);
}
