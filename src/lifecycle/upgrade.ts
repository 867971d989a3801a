// `kspray upgrade --to VERSION --plan`: Kubespray's upgrade-cluster.yml as a checked, ordered plan.
// Pure: (model, target, catalog, observed kubelet versions) → refusals or a plan. Nothing here runs
// anything; the plan names what the operator (kubectl, with admin.conf) and each node (the node
// program's upgrade phase) do, in order.
//
// Rules (Kubernetes version skew policy, https://kubernetes.io/releases/version-skew-policy/, and
// kubeadm's upgrade rules):
// - control planes move one minor at a time (kubeadm refuses to skip one); patch upgrades are free;
//   no downgrades; the target must be in the catalog (its binaries have checksums);
// - kubelet is never newer than kube-apiserver and at most 3 minors older (1.28+ policy). The plan
//   upgrades control planes first, so during it workers run the old kubelet against the new
//   apiserver: one minor of skew, within policy. Observed kubelet versions (e.g. a node that
//   was left behind) are checked against the target too.
import { KsprayError, type Problem } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import { componentVersions, type ComponentVersions } from '../catalog/catalog.js';
import { controlPlaneNodes, type ClusterModel, type NodeModel } from '../model/model.js';
import { upgradeSkipPhases } from './upgradeJobs.js';
import { crioUpgrade, type CrioCatalog, type CrioChange } from './upgradeRuntime.js';

/** Kubelets may be this many minors older than kube-apiserver (since Kubernetes 1.28). */
export const KUBELET_MAX_MINOR_SKEW = 3;
/** Kubespray's upgrade-cluster.yml: workers in batches of `serial`, default 20%. */
export const WORKER_BATCH_FRACTION = 0.2;
/**
 * Kubespray's drain (roles/upgrade/pre-upgrade): drain_grace_period 300, drain_timeout 360s,
 * drain_retries 3 with drain_retry_delay_seconds 10.
 */
export const DRAIN_FLAGS = ['--ignore-daemonsets', '--delete-emptydir-data', '--force', '--grace-period=300', '--timeout=360s'];
export const DRAIN_RETRIES = 3;
export const DRAIN_RETRY_DELAY_SECONDS = 10;

interface Version {
  major: number;
  minor: number;
  patch: number;
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/;

export function parseVersion(text: string): Version | undefined {
  const m = VERSION.exec(text);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

function compare(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

const show = (v: Version) => `${v.major}.${v.minor}.${v.patch}`;

/** Newest catalog version of a minor ("1.35" → "1.35.8"). */
function newestOfMinor(catalog: string[], major: number, minor: number): string | undefined {
  return catalog
    .map((t) => parseVersion(t))
    .filter((v): v is Version => v !== undefined && v.major === major && v.minor === minor)
    .sort((a, b) => compare(b, a))
    .map(show)[0];
}

/**
 * The allowed path from → to: the newest catalog patch of every minor in between, then the target.
 * ["1.35.8", "1.36.4"] for 1.34.11 → 1.36.4. Empty when a minor in between has no catalog version.
 */
export function upgradePath(from: string, to: string, catalog: string[]): string[] {
  const f = parseVersion(from);
  const t = parseVersion(to);
  if (!f || !t || f.major !== t.major) return [];
  const path: string[] = [];
  for (let minor = f.minor + 1; minor < t.minor; minor++) {
    const step = newestOfMinor(catalog, f.major, minor);
    if (!step) return [];
    path.push(step);
  }
  return [...path, show(t)];
}

/** Catalog versions one step from `from` allows: newer patches of its minor and the next minor. */
export function allowedTargets(from: string, catalog: string[]): string[] {
  const f = parseVersion(from);
  if (!f) return [];
  return catalog.filter((text) => {
    const v = parseVersion(text);
    return v !== undefined && v.major === f.major && compare(v, f) > 0 && v.minor - f.minor <= 1;
  });
}

/**
 * Every reason to refuse from → to, empty when allowed. `kubelets` are observed kubelet versions by
 * node name (as `kubectl get nodes` shows them), checked against the skew policy.
 */
export function checkUpgrade(from: string, to: string, catalog: string[], kubelets: Record<string, string> = {}): Problem[] {
  const refuse = (rule: string, message: string, hint: string): Problem => messages.upgradeRefused(rule, message, hint);
  const f = parseVersion(from);
  const t = parseVersion(to);
  if (!f) return [refuse('upgrade-version-format', `the cluster's version "${from}" is not X.Y.Z`, 'Fix spec.kubernetes.version.')];
  const targets = allowedTargets(from, catalog);
  const targetHint = targets.length ? `From ${from} you can go to: ${targets.join(', ')}.` : `${from} is the newest version kspray knows.`;
  if (!t) return [refuse('upgrade-version-format', `--to "${to}" is not a version X.Y.Z`, targetHint)];
  if (!catalog.includes(show(t))) return [messages.unknownUpgradeVersion(show(t), targets.length ? targets : catalog)];
  const order = compare(t, f);
  if (order === 0) return [refuse('upgrade-same-version', `the cluster is already at ${from}`, targetHint)];
  if (order < 0) return [refuse('upgrade-no-downgrade', `${show(t)} is older than the cluster's ${from}: kubeadm does not downgrade`, targetHint)];
  if (t.major !== f.major) return [refuse('upgrade-major', `${from} → ${show(t)} changes the major version`, targetHint)];

  const problems: Problem[] = [];
  if (t.minor - f.minor > 1) {
    const path = upgradePath(from, show(t), catalog);
    const skipped = Array.from({ length: t.minor - f.minor - 1 }, (_, i) => `${f.major}.${f.minor + i + 1}`);
    problems.push(
      refuse(
        'upgrade-skipped-minor',
        `${from} → ${show(t)} skips minor ${skipped.join(', ')}: control planes upgrade one minor at a time`,
        path.length ? `Upgrade in steps: ${[from, ...path].join(' → ')} (run kspray upgrade once per step).` : targetHint,
      ),
    );
  }
  for (const [node, text] of Object.entries(kubelets).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const k = parseVersion(text);
    if (!k) {
      problems.push(refuse('kubelet-version-format', `kubelet version "${text}" of ${node} is not X.Y.Z`, 'Give versions as `kubectl get nodes` shows them, e.g. 1.35.4.'));
      continue;
    }
    if (compare(k, t) > 0) {
      problems.push(refuse('kubelet-not-newer-than-apiserver', `the kubelet on ${node} (${show(k)}) would be newer than kube-apiserver ${show(t)}`, `Kubelets must never be newer than kube-apiserver: upgrade to at least ${show(k)}.`));
    } else if (k.major !== t.major || t.minor - k.minor > KUBELET_MAX_MINOR_SKEW) {
      const oldest = `${t.major}.${t.minor - KUBELET_MAX_MINOR_SKEW}`;
      problems.push(
        refuse(
          'kubelet-skew',
          `the kubelet on ${node} (${show(k)}) would be ${t.minor - k.minor} minors older than kube-apiserver ${show(t)}; the skew policy allows ${KUBELET_MAX_MINOR_SKEW}`,
          `Upgrade ${node} to at least ${oldest} first (re-provision it from a current payload), or choose a lower --to.`,
        ),
      );
    }
  }
  return problems;
}

export type StepRunner = 'operator' | 'node';

export interface UpgradeAction {
  /** operator: kubectl with admin.conf; node: the node program's upgrade phase on that node. */
  runner: StepRunner;
  command: string;
}

export interface UpgradeStep {
  phase: 'preflight' | 'etcd' | 'control-plane' | 'workers' | 'pool' | 'finish';
  title: string;
  nodes: string[];
  actions: UpgradeAction[];
}

export interface UpgradePlan {
  from: string;
  to: string;
  kind: 'patch' | 'minor';
  /** Components whose catalog version changes with the Kubernetes version. */
  componentChanges: Array<{ component: keyof ComponentVersions; from: string; to: string }>;
  /** cri-o clusters whose cri-o version changes: every upgraded node installs the new bundle. */
  crioChange?: CrioChange;
  workerBatchSize: number;
  steps: UpgradeStep[];
}

const op = (command: string): UpgradeAction => ({ runner: 'operator', command });
const onNode = (command: string): UpgradeAction => ({ runner: 'node', command });

const drain = (node: string): UpgradeAction[] => [
  op(`kubectl cordon ${node}`),
  op(`kubectl drain ${node} ${DRAIN_FLAGS.join(' ')}   # retried ${DRAIN_RETRIES}x, ${DRAIN_RETRY_DELAY_SECONDS}s apart`),
];
const uncordon = (node: string): UpgradeAction[] => [op(`kubectl wait --for=condition=Ready node/${node} --timeout=300s`), op(`kubectl uncordon ${node}`)];

/** Binaries come from the catalog, sha256-verified, exactly as at first boot. */
const installKubeadm = (to: string) => onNode(`install kubeadm ${to} (sha256-verified from the catalog)`);
const installKubelet = (to: string): UpgradeAction[] => [
  onNode(`install kubelet ${to} and kubectl ${to} (sha256-verified from the catalog)`),
  onNode('systemctl daemon-reload && systemctl restart kubelet'),
];
/**
 * --certificate-renewal=false: kubeadm renews certificates on upgrade by default (Kubespray keeps
 * that), which would replace the certificates derived from the secrets bundle with ones the bundle
 * does not know. Certificate lifetime is `kspray certs`' job.
 */
const withSkip = (cmd: string, skip: string) => (skip ? `${cmd} ${skip}` : cmd);
const kubeadmApply = (to: string, skip: string) => onNode(withSkip(`kubeadm upgrade apply v${to} --yes --certificate-renewal=false`, skip));
const kubeadmNode = (skip: string) => onNode(withSkip('kubeadm upgrade node --certificate-renewal=false', skip));
/** After kubeadm, before kubelet restarts on the new version: the drained node's runtime follows. */
const installCrio = (c: CrioChange | undefined): UpgradeAction[] =>
  c
    ? [
        onNode(
          `install cri-o ${c.to} (bundle sha256-verified from the catalog)${c.pause ? `, pause_image = "${c.pause}" in /etc/crio/crio.conf.d/10-kspray.conf` : ''}, systemctl restart crio`,
        ),
      ]
    : [];

export function planUpgrade(
  model: ClusterModel,
  to: string,
  catalog: string[],
  kubelets: Record<string, string> = {},
  crioCatalog?: CrioCatalog,
): UpgradePlan {
  const from = model.kubernetes.version;
  const checked = checkUpgrade(from, to, catalog, kubelets);
  const crio = checked.length ? undefined : crioUpgrade(model, show(parseVersion(to)!), crioCatalog);
  const problems = [...checked, ...(crio?.problems ?? [])];
  if (problems.length) throw new KsprayError('input', problems.map((p) => ({ ...p, path: ['spec', 'kubernetes', 'version'] })));
  const target = show(parseVersion(to)!);
  const crioChange = crio?.change;

  const before = componentVersions(from);
  const after = componentVersions(target);
  const componentChanges = (Object.keys(after) as Array<keyof ComponentVersions>)
    .filter((k) => k !== 'kubernetes' && before[k] !== after[k])
    .map((component) => ({ component, from: before[component], to: after[component] }));

  const cps = controlPlaneNodes(model);
  const externalEtcd = model.etcd.topology === 'external' ? model.nodes.filter((n) => n.isEtcd && !n.isControlPlane) : [];
  const workers = model.nodes.filter((n) => n.kind === 'node' && !n.isControlPlane && n.roles.includes('worker'));
  const pools = model.nodes.filter((n) => n.kind === 'pool');
  const batchSize = Math.max(1, Math.ceil(workers.length * WORKER_BATCH_FRACTION));
  const first = cps[0]!;
  const skip = upgradeSkipPhases(model);

  const steps: UpgradeStep[] = [
    {
      phase: 'preflight',
      title: 'check the cluster and back up etcd',
      nodes: [first.name],
      actions: [
        op('kubectl get nodes   # every node Ready, every kubelet at most 3 minors behind (skew policy)'),
        onNode(`etcdctl snapshot save /var/lib/kspray/backup/etcd-before-${target}.db`),
      ],
    },
  ];
  const etcdChange = componentChanges.find((c) => c.component === 'etcd');
  if (externalEtcd.length && etcdChange) {
    // Kubespray upgrades etcd before the control plane; members one at a time keep quorum.
    for (const member of externalEtcd) {
      steps.push({
        phase: 'etcd',
        title: `etcd member ${member.name}: ${etcdChange.from} → ${etcdChange.to}`,
        nodes: [member.name],
        actions: [onNode(`install etcd ${etcdChange.to} (sha256-verified) && systemctl restart etcd`), op('etcdctl endpoint health --cluster   # all members healthy before the next')],
      });
    }
  }
  cps.forEach((cp, i) => {
    steps.push({
      phase: 'control-plane',
      title: `control plane ${cp.name}${i === 0 ? ' (first: kubeadm upgrade apply)' : ''}`,
      nodes: [cp.name],
      actions: [
        ...drain(cp.name),
        installKubeadm(target),
        i === 0 ? kubeadmApply(target, skip) : kubeadmNode(skip),
        ...installCrio(crioChange),
        ...installKubelet(target),
        ...uncordon(cp.name),
      ],
    });
  });
  for (let i = 0; i < workers.length; i += batchSize) {
    const batch = workers.slice(i, i + batchSize);
    const names = batch.map((n) => n.name);
    steps.push({
      phase: 'workers',
      title: `workers batch ${i / batchSize + 1} of ${Math.ceil(workers.length / batchSize)}: ${names.join(', ')}`,
      nodes: names,
      actions: [...names.flatMap(drain), installKubeadm(target), kubeadmNode(skip), ...installCrio(crioChange), ...installKubelet(target), ...names.flatMap(uncordon)],
    });
  }
  for (const pool of pools) steps.push(poolStep(pool, target));
  steps.push({
    phase: 'finish',
    title: 'new payloads and addons',
    nodes: [],
    actions: [
      op(`set spec.kubernetes.version: "${target}", then kspray render   # payloads for nodes provisioned from now on`),
      ...(componentChanges.length
        ? [op(`components that follow the Kubernetes version and change (${componentChanges.map((c) => `${c.component} ${c.from} → ${c.to}`).join(', ')}) reach existing nodes when they are re-provisioned from the new payloads`)]
        : []),
      ...(crioChange ? [op(`cri-o follows spec.kubernetes.version: a pinned spec.containerRuntime.version becomes "${crioChange.to}" (or remove it)`)] : []),
    ],
  });

  const f = parseVersion(from)!;
  const t = parseVersion(target)!;
  return { from, to: target, kind: f.minor === t.minor ? 'patch' : 'minor', componentChanges, ...(crioChange ? { crioChange } : {}), workerBatchSize: batchSize, steps };
}

/** Pool members have no fixed identity: they are replaced from the new payload, 20% at a time. */
function poolStep(pool: NodeModel, to: string): UpgradeStep {
  const batch = Math.max(1, Math.ceil(pool.count * WORKER_BATCH_FRACTION));
  return {
    phase: 'pool',
    title: `pool ${pool.name} (${pool.count} nodes): replace instances with the ${to} payload, ${batch} at a time`,
    nodes: [pool.name],
    actions: [
      op(`point the pool's launch template / instance group at the re-rendered nodes/${pool.name}/user-data`),
      op(`for each old instance, ${batch} at a time: kubectl drain NODE ${DRAIN_FLAGS.join(' ')}; kubectl delete node NODE; terminate it; wait for its replacement to be Ready`),
    ],
  };
}

export function formatUpgradePlan(plan: UpgradePlan): string {
  const lines = [`Upgrade ${plan.from} → ${plan.to} (${plan.kind}); workers in batches of ${plan.workerBatchSize} (20%, rounded up).`];
  if (plan.componentChanges.length) lines.push(`Component versions that change: ${plan.componentChanges.map((c) => `${c.component} ${c.from} → ${c.to}`).join(', ')}.`);
  if (plan.crioChange) lines.push(`Container runtime: cri-o ${plan.crioChange.from} → ${plan.crioChange.to} on every upgraded node (its minor follows kubernetes).`);
  plan.steps.forEach((s, i) => {
    lines.push('', `${i + 1}. [${s.phase}] ${s.title}`);
    for (const a of s.actions) lines.push(`   ${a.runner === 'operator' ? '$' : `@${s.nodes.length === 1 ? s.nodes[0] : 'each node'}`} ${a.command}`);
  });
  return `${lines.join('\n')}\n`;
}
