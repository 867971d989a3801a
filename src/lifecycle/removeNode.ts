// `kspray remove-node NAME` (Kubespray's remove-node.yml), planned without a cluster: which checks
// refuse the removal, the ordered kubectl steps, and which other nodes' outputs change once the node
// is gone from the spec. Pure: the CLI runs the steps (cli/commands/remove-node.ts).
import { hostPort } from '../model/address.js';
import { parseDocument } from 'yaml';
import { messages, type Msg } from '../errors/messages.js';
import { controlPlaneNodes, ETCD_CLIENT_PORT, ETCD_PEER_PORT, etcdMembers, type ClusterModel, type NodeModel } from '../model/model.js';
import type { NodePlan } from '../plan/nodePlan.js';

/** Kubespray's drain (roles/remove-node/pre-remove): flags, and 3 tries. */
export const DRAIN_FLAGS = ['--ignore-daemonsets', '--delete-emptydir-data', '--force', '--timeout=360s', '--grace-period=300'];
export const DRAIN_TRIES = 3;

/** etcdctl's TLS flags with the certificates kubeadm puts in a stacked etcd pod (its health check's client cert). */
export const STACKED_ETCDCTL_TLS = [
  `--endpoints=https://127.0.0.1:${ETCD_CLIENT_PORT}`,
  '--cacert=/etc/kubernetes/pki/etcd/ca.crt',
  '--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt',
  '--key=/etc/kubernetes/pki/etcd/healthcheck-client.key',
];
/** The same for an external etcd member (kspray's /etc/etcd/pki; the member's server cert has clientAuth). */
export const EXTERNAL_ETCDCTL_TLS = [
  `--endpoints=https://127.0.0.1:${ETCD_CLIENT_PORT}`,
  '--cacert=/etc/etcd/pki/ca.crt',
  '--cert=/etc/etcd/pki/server.crt',
  '--key=/etc/etcd/pki/server.key',
];

export type RemoveStep =
  /** A kubectl invocation (arguments after `kubectl --kubeconfig F`), tried `tries` times. */
  | { kind: 'kubectl'; description: string; args: string[]; tries: number }
  /**
   * etcd member removal through another stacked member's pod: `exec` is the kubectl prefix up to
   * and including `etcdctl` plus its TLS flags; the runner lists members, picks the one whose peer
   * URL is exactly `peerUrl` (etcdMembers.planMemberRemoval), then removes it by ID.
   */
  | { kind: 'etcd-remove'; description: string; exec: string[]; peerUrl: string }
  /** Something kspray cannot do through the API (external etcd members run no kubelet). */
  | { kind: 'manual'; description: string; commands: string[] };

export interface RemovePlan {
  node: NodeModel;
  steps: RemoveStep[];
  /** Notes for the user (e.g. the first control plane moves). */
  notes: string[];
}

export interface RemoveOptions {
  /** Allow leaving an even number of etcd members (3 → 2), which tolerates no more failures than one fewer. */
  force?: boolean;
}

/** A refusal: exit 2 with reason and hint. */
export class RemoveRefused extends Error {
  constructor(readonly problem: Msg) {
    super(problem.message);
  }
}

export const peerUrlOf = (n: NodeModel): string => `https://${hostPort(n.address!, ETCD_PEER_PORT)}`;

/**
 * The checks and steps. Quorum rule: the members left must still be a majority of the members
 * before the removal (so 2 → 1 and 1 → 0 are refused: with one member down the rest cannot elect),
 * and leaving an even count (3 → 2, 5 → 4) needs `force` (the spec rule odd-etcd-members refuses
 * such a spec, and 2 members tolerate no failure, like 1).
 */
export function planRemoveNode(model: ClusterModel, name: string, opts: RemoveOptions = {}): RemovePlan {
  const node = model.nodes.find((n) => n.name === name && n.kind === 'node');
  if (!node) {
    const pool = model.nodes.find((n) => n.name === name && n.kind === 'pool');
    throw new RemoveRefused(pool ? messages.removePoolNode(name) : messages.removeUnknownNode(name, model.nodes.filter((n) => n.kind === 'node').map((n) => n.name)));
  }
  const cps = controlPlaneNodes(model);
  if (node.isControlPlane && cps.length <= 1) throw new RemoveRefused(messages.removeLastControlPlane(name));
  const members = etcdMembers(model);
  if (node.isEtcd) {
    const left = members.length - 1;
    if (left === 0 || left * 2 <= members.length) throw new RemoveRefused(messages.removeEtcdQuorum(name, members.length));
    if (left % 2 === 0 && !opts.force) throw new RemoveRefused(messages.removeEtcdEven(name, members.length));
  }

  const steps: RemoveStep[] = [];
  const notes: string[] = [];
  const external = model.etcd.topology === 'external' && node.isEtcd;
  if (!external) {
    steps.push({ kind: 'kubectl', description: `check that node ${name} exists`, args: ['get', 'node', name, '-o', 'name'], tries: 1 });
    steps.push({ kind: 'kubectl', description: `cordon ${name}`, args: ['cordon', name], tries: 1 });
    steps.push({ kind: 'kubectl', description: `drain ${name} (Kubespray's flags, ${DRAIN_TRIES} tries)`, args: ['drain', ...DRAIN_FLAGS, name], tries: DRAIN_TRIES });
  }
  if (node.isEtcd && !external) {
    // Another control plane's etcd static pod (kubeadm names it etcd-<node>): the first one in spec order.
    const other = cps.find((n) => n.name !== name)!;
    steps.push({
      kind: 'etcd-remove',
      description: `remove ${name}'s etcd member (peer URL ${peerUrlOf(node)}) through etcd-${other.name}`,
      exec: ['-n', 'kube-system', 'exec', `etcd-${other.name}`, '--', 'etcdctl', ...STACKED_ETCDCTL_TLS],
      peerUrl: peerUrlOf(node),
    });
  }
  if (external) {
    const other = members.find((n) => n.name !== name)!;
    const etcdctl = ['etcdctl', ...EXTERNAL_ETCDCTL_TLS].join(' ');
    steps.push({
      kind: 'manual',
      description: `on another etcd member (e.g. ${other.name}, ${other.address}), remove ${name}'s member: find the ID whose peerURLs is exactly ${peerUrlOf(node)}, then remove it; then power the node off`,
      commands: [`${etcdctl} member list -w table`, `${etcdctl} member remove <ID of ${peerUrlOf(node)}>`],
    });
    notes.push(`${name} is an external etcd member: it is not a Kubernetes node (no kubelet), so there is nothing to drain or delete through the API.`);
  }
  if (!external) steps.push({ kind: 'kubectl', description: `delete node ${name}`, args: ['delete', 'node', name], tries: 1 });
  if (node.isFirstControlPlane) {
    const next = cps.find((n) => n.name !== name)!;
    notes.push(`${name} is the first control plane: in the spec without it, ${next.name} is first (it applies the addons when re-provisioned).`);
  }
  return { node, steps, notes };
}

/** The spec text without node NAME (comments kept), for rendering what the other nodes get afterwards. */
export function specWithout(text: string, name: string): string {
  const doc = parseDocument(text);
  const nodes = doc.getIn(['spec', 'nodes']) as { items: unknown[] } | undefined;
  if (!nodes || !Array.isArray(nodes.items)) return text;
  const i = nodes.items.findIndex((item) => {
    const v = (item as { get?: (k: string) => unknown }).get?.('name');
    return v === name;
  });
  if (i >= 0) doc.deleteIn(['spec', 'nodes', i]);
  return doc.toString();
}

/**
 * The model without node NAME, derived from the compiled one: for a spec the rules would refuse
 * without it (an even etcd count after `--force`). The next control plane in spec order becomes
 * first, and endpoints derived from the removed node's address follow it (as toModel derives them).
 */
export function modelWithout(model: ClusterModel, name: string): ClusterModel {
  const removed = model.nodes.find((n) => n.name === name);
  const nodes = model.nodes.filter((n) => n.name !== name).map((n) => ({ ...n }));
  if (!removed?.isFirstControlPlane) return { ...model, nodes };
  const next = nodes.find((n) => n.isControlPlane)!;
  next.isFirstControlPlane = true;
  const cp = { ...model.controlPlane };
  if (cp.clientEndpoint.host === removed.address) cp.clientEndpoint = { ...cp.clientEndpoint, host: next.address! };
  const removedPrefix = `${hostPort(removed.address!, 0).replace(/0$/, '')}`;
  if (cp.kubeadmEndpoint.startsWith(removedPrefix)) cp.kubeadmEndpoint = hostPort(next.address!, Number(cp.kubeadmEndpoint.split(':').pop()));
  return { ...model, nodes, controlPlane: cp };
}

export interface NodeChange {
  node: string;
  /** Files of the node's plan added, removed or changed (paths on the node). */
  files: string[];
  /** The payload changed (it also does when only files change). */
  payload: boolean;
}

/**
 * Which remaining nodes' outputs change when the node is removed: per node, the plan files whose
 * content differs (proxy upstreams, KSPRAY_WAIT_FOR, etcd's initial cluster, apiserver SANs...).
 */
export function diffOutputs(
  before: { plans: NodePlan[]; payloads: Map<string, string> },
  after: { plans: NodePlan[]; payloads: Map<string, string> },
): NodeChange[] {
  const changes: NodeChange[] = [];
  const afterPlans = new Map(after.plans.map((p) => [p.node.name, p]));
  for (const b of before.plans) {
    const a = afterPlans.get(b.node.name);
    if (!a) continue;
    const paths = [...new Set([...b.files.keys(), ...a.files.keys()])].sort();
    const files = paths.filter((p) => b.files.get(p)?.content !== a.files.get(p)?.content || b.files.get(p)?.mode !== a.files.get(p)?.mode);
    const payload = before.payloads.get(b.node.name) !== after.payloads.get(b.node.name);
    if (files.length || payload) changes.push({ node: b.node.name, files, payload });
  }
  return changes;
}

/** The plan as text (what --dry-run prints, before formatChanges). */
export function formatPlan(plan: RemovePlan, kubeconfig: string): string {
  const lines: string[] = [`remove-node ${plan.node.name}:`];
  const kubectl = (args: string[]) => ['kubectl', '--kubeconfig', kubeconfig, ...args].join(' ');
  plan.steps.forEach((s, i) => {
    lines.push(`  ${i + 1}. ${s.description}`);
    if (s.kind === 'kubectl') lines.push(`     ${kubectl(s.args)}`);
    if (s.kind === 'etcd-remove') {
      lines.push(`     ${kubectl([...s.exec, 'member', 'list', '-w', 'json'])}`);
      lines.push(`     ${kubectl([...s.exec, 'member', 'remove', `<ID of ${s.peerUrl}>`])}`);
    }
    if (s.kind === 'manual') for (const c of s.commands) lines.push(`     (manual) ${c}`);
  });
  for (const n of plan.notes) lines.push(`note: ${n}`);
  return `${lines.join('\n')}\n`;
}

/** What changes on the other nodes, or why it was not computed. */
export function formatChanges(name: string, changes: NodeChange[] | string): string {
  const lines = [`then remove ${name} from the spec and run kspray render; outputs that change on other nodes:`];
  if (typeof changes === 'string') lines.push(`  (not computed: ${changes})`);
  else if (changes.length === 0) lines.push('  none');
  else {
    for (const c of changes) lines.push(`  ${c.node}: ${c.files.length ? c.files.join(', ') : '(payload only)'}`);
    lines.push('  re-provision those nodes (or put the changed files in place) for the change to take effect.');
  }
  return `${lines.join('\n')}\n`;
}
