// Named rules for what kubelet and sshd receive verbatim from the spec: node labels and taints
// (kubelet --node-labels / kubeadm taints) and ssh authorized keys (cloud-init, Ignition). Without
// them, a label kubelet rejects passes `validate` and the node fails at boot instead.
import type { Problem, SpecPath } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { ClusterSpec } from '../api/v1alpha1/types.js';
import type { Rule } from './rule.js';
import { kubeletRefusesLabel, labelValueProblem, qualifiedNameProblem, sshPublicKeyProblem } from './kubernetesNames.js';

interface Labelled {
  path: SpecPath;
  labels: Record<string, string>;
  taints: Array<{ key: string; value?: string }>;
}

function labelled(spec: ClusterSpec): Labelled[] {
  const s = spec.spec;
  return [
    ...(s.nodes ?? []).map((n, i) => ({ path: ['spec', 'nodes', i], labels: n.labels ?? {}, taints: n.taints ?? [] })),
    ...(s.pools ?? []).map((p, i) => ({ path: ['spec', 'pools', i], labels: p.labels ?? {}, taints: p.taints ?? [] })),
  ];
}

const eachLabel = (spec: ClusterSpec, check: (key: string, value: string, path: SpecPath) => Problem | undefined): Problem[] =>
  labelled(spec).flatMap((n) => Object.entries(n.labels).flatMap(([k, v]) => check(k, v, [...n.path, 'labels', k]) ?? []));

const eachTaint = (spec: ClusterSpec, check: (t: { key: string; value?: string }, path: SpecPath) => Problem | undefined): Problem[] =>
  labelled(spec).flatMap((n) => n.taints.flatMap((t, i) => check(t, [...n.path, 'taints', i]) ?? []));

export const nameRules: Rule[] = [
  {
    name: 'label-key',
    check: (spec) =>
      eachLabel(spec, (key, _, path) => {
        const why = qualifiedNameProblem(key);
        return why ? { ...messages.badLabelKey(key, why), path, atKey: true } : undefined;
      }),
  },
  {
    name: 'label-value',
    check: (spec) =>
      eachLabel(spec, (key, value, path) => {
        const why = labelValueProblem(value);
        return why ? { ...messages.badLabelValue(key, value, why), path } : undefined;
      }),
  },
  {
    name: 'kubelet-label-namespace',
    check: (spec) =>
      eachLabel(spec, (key, _, path) =>
        !qualifiedNameProblem(key) && kubeletRefusesLabel(key) ? { ...messages.kubeletRefusesLabel(key), path, atKey: true } : undefined,
      ),
  },
  {
    name: 'taint-key',
    check: (spec) =>
      eachTaint(spec, (t, path) => {
        const why = qualifiedNameProblem(t.key);
        return why ? { ...messages.badTaintKey(t.key, why), path: [...path, 'key'] } : undefined;
      }),
  },
  {
    name: 'taint-value',
    check: (spec) =>
      eachTaint(spec, (t, path) => {
        const why = t.value === undefined ? undefined : labelValueProblem(t.value);
        return why ? { ...messages.badTaintValue(t.value!, why), path: [...path, 'value'] } : undefined;
      }),
  },
  {
    name: 'ssh-authorized-key',
    check: (spec) =>
      (spec.spec.ssh?.authorizedKeys ?? []).flatMap((key, i) => {
        const why = sshPublicKeyProblem(key);
        return why ? [{ ...messages.badSshKey(why), path: ['spec', 'ssh', 'authorizedKeys', i] }] : [];
      }),
  },
];
