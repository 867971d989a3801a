// Checks spec.kubelet.config / spec.kubeProxy.config (and the per-node/pool kubelet.config) against
// the upstream field list (catalog/configFields.ts): an unknown field is reported at its key with the
// nearest valid name, a mistyped value at the value with the upstream type. Fields kspray derives
// from other spec fields, or that kubeadm's wiring depends on, are refused with the reason.
import type { Problem, SpecPath } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import { configFields, type FieldType } from '../catalog/configFields.js';
import { closest } from '../api/v1alpha1/knownKeys.js';

export type ConfigKind = 'kubelet' | 'kubeProxy';

/**
 * Fields kspray sets itself, by dotted path in the config, with why overriding them would break the
 * cluster or contradict another spec field. A parent path covers everything below it.
 */
export const RESERVED_CONFIG_FIELDS: Record<ConfigKind, Record<string, string>> = {
  kubelet: {
    cgroupDriver: 'kspray configures containerd and cri-o with the systemd cgroup driver; the kubelet must match it',
    containerRuntimeEndpoint: 'kspray points the kubelet at the socket of spec.containerRuntime.name',
    clusterDomain: 'kspray sets it from spec.kubernetes.clusterDomain (CoreDNS and the certificates use the same value)',
    clusterDNS: 'kspray sets it to nodelocaldns (169.254.25.10) or the kube-dns Service address; use spec.addons.nodeLocalDNS',
    staticPodPath: 'kubeadm writes the control-plane and localhost-proxy static pods to /etc/kubernetes/manifests',
    rotateCertificates: "kubeadm's kubelet.conf points at the rotated client certificate; without rotation the kubelet's credentials expire",
    'authentication.x509.clientCAFile': 'kubeadm sets it to the cluster CA kspray generated',
    'authentication.webhook.enabled': 'kubeadm turns on webhook authentication; the apiserver reaches kubelets with it (logs, exec, metrics)',
    'authorization.mode': 'kubeadm sets Webhook; AlwaysAllow would let anyone reaching port 10250 run commands in pods',
    featureGates: 'set spec.kubernetes.featureGates: every component gets them, each in its own syntax',
  },
  kubeProxy: {
    mode: 'kspray sets it from spec.kubernetes.proxyMode (the node kernel modules follow it)',
    clusterCIDR: 'kspray sets it from spec.kubernetes.podSubnet',
    'clientConnection.kubeconfig': 'kubeadm mounts the kube-proxy kubeconfig from its ConfigMap at this path',
    featureGates: 'set spec.kubernetes.featureGates: every component gets them, each in its own syntax',
  },
};

/** Problems in one config mapping; `path` is where the mapping sits in the spec. */
export function checkComponentConfig(kind: ConfigKind, config: Record<string, unknown>, path: SpecPath, extraReserved: Record<string, string> = {}): Problem[] {
  const { roots, types } = configFields();
  const root = roots[kind];
  const reserved = { ...RESERVED_CONFIG_FIELDS[kind], ...extraReserved };
  const problems: Problem[] = [];

  const walkStruct = (value: Record<string, unknown>, typeName: string, at: SpecPath, dotted: string[]) => {
    const fields = types[typeName] ?? {};
    for (const [key, v] of Object.entries(value)) {
      const keyDotted = [...dotted, key].join('.');
      const fieldPath = [...at, key];
      const type = fields[key];
      if (!type) {
        problems.push({ ...messages.unknownConfigField(root.kind, keyDotted, typeName, closest(key, Object.keys(fields))), path: fieldPath, atKey: true });
        continue;
      }
      const reason = reserved[keyDotted];
      if (reason !== undefined) {
        problems.push({ ...messages.reservedConfigField(root.kind, keyDotted, reason), path: fieldPath, atKey: true });
        continue;
      }
      walk(v, type, fieldPath, [...dotted, key]);
    }
  };

  const walk = (value: unknown, type: FieldType, at: SpecPath, dotted: string[]) => {
    const wrong = () => problems.push({ ...messages.mistypedConfigField(root.kind, dotted.join('.'), describeType(type), value), path: at });
    if (typeof type === 'object') {
      if ('list' in type) {
        if (!Array.isArray(value)) return wrong();
        value.forEach((item, i) => walk(item, type.list, [...at, i], [...dotted, String(i)]));
      } else if ('map' in type) {
        if (!isMapping(value)) return wrong();
        for (const [k, v] of Object.entries(value)) walk(v, type.map, [...at, k], [...dotted, k]);
      } else {
        if (!isMapping(value)) return wrong();
        walkStruct(value, type.struct, at, dotted);
      }
      return;
    }
    if (!scalarMatches(value, type)) wrong();
  };

  walkStruct(config, root.type, path, []);
  return problems;
}

/** Go's time.ParseDuration syntax ("10s", "1h30m", "500ms"; "0" alone). */
const GO_DURATION = /^[-+]?(0|(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))*)$/;
/** resource.Quantity's text form ("500m", "1Gi", "2", "1e3"). */
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

function scalarMatches(value: unknown, type: Exclude<FieldType, object>): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'bool':
      return typeof value === 'boolean';
    case 'int':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'duration':
      return typeof value === 'string' && GO_DURATION.test(value);
    case 'durationOrInt':
      return Number.isInteger(value) || (typeof value === 'string' && GO_DURATION.test(value));
    case 'quantity':
      return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && QUANTITY.test(value));
    case 'any':
      return true;
  }
}

export function describeType(type: FieldType): string {
  if (typeof type === 'object') {
    if ('list' in type) return `a list of ${describeType(type.list)}`;
    if ('map' in type) return `a mapping of ${describeType(type.map)}`;
    return `a mapping (${type.struct})`;
  }
  const names: Record<Exclude<FieldType, object>, string> = {
    string: 'a string',
    bool: 'true or false',
    int: 'an integer',
    number: 'a number',
    duration: 'a duration such as "10s" or "1h30m"',
    durationOrInt: 'a duration such as "5s" (or integer nanoseconds)',
    quantity: 'a quantity such as "500m" or "1Gi"',
    any: 'any value',
  };
  return names[type];
}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
