// The customization part of the model (issue #12): spec values normalized, per-node values merged
// over the cluster's (maps merge; scalars and lists replace; files are keyed by path), each value
// keeping the spec path it came from so builders can record provenance.
import type { SpecPath } from '../errors/errors.js';
import type { ClusterSpec, NodeSpec, PoolSpec } from '../api/v1alpha1/types.js';

export interface HostPathVolume {
  name: string;
  hostPath: string;
  mountPath: string;
  readOnly?: boolean;
  pathType?: string;
}

export interface ComponentCustomization {
  extraArgs: Record<string, string>;
  extraVolumes: HostPathVolume[];
}

export interface UserFile {
  path: string;
  content: string;
  mode: number;
  origin: SpecPath;
}

export interface UserPatch {
  target: string;
  type: 'strategic' | 'merge' | 'json';
  patch: unknown;
  origin: SpecPath;
}

/** Cluster-wide customization (ClusterModel.custom). */
export interface ClusterCustomization {
  apiServer: ComponentCustomization & {
    auditPolicy?: Record<string, unknown>;
    admission?: Record<string, unknown>;
  };
  controllerManager: ComponentCustomization;
  scheduler: ComponentCustomization;
  etcdExtraArgs: Record<string, string>;
  /** spec.kubelet: the KubeletConfiguration every node starts from (kubeadm's kubelet-config ConfigMap). */
  kubeletConfig: Record<string, unknown>;
  kubeProxyConfig: Record<string, unknown>;
  patches: UserPatch[];
}

/** What one node or pool gets (NodeModel.custom), cluster values with its own merged over them. */
export interface NodeCustomization {
  /** The node's own kubelet.config as written (merged over the cluster's through a kubeadm merge patch). */
  kubeletConfigOverride: Record<string, unknown>;
  /** The KubeletConfiguration fields this node ends up with: cluster values, the node's merged over them. */
  kubeletConfig: Record<string, unknown>;
  kubeletExtraArgs: Record<string, string>;
  files: UserFile[];
  sysctls: Array<[string, string]>;
  kernelModules: string[];
  /** Where the effective sysctls / kernelModules come from (the node's own, when it sets any, or the cluster's). */
  sysctlsOrigin: SpecPath;
  kernelModulesOrigin: SpecPath;
}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * JSON merge patch semantics (RFC 7386 without null deletes): maps merge, scalars and lists replace.
 * Keys keep the base's order, new keys follow in the override's order (deterministic either way).
 */
export function mergeOver(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isMapping(b) && isMapping(v) ? mergeOver(b, v) : v;
  }
  return out;
}

export function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (!isMapping(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeysDeep(v[k])]),
  );
}

const sorted = <T>(r: Record<string, T> | undefined): Record<string, T> => sortKeysDeep(r ?? {}) as Record<string, T>;

const component = (c: { extraArgs?: Record<string, string>; extraVolumes?: HostPathVolume[] } | undefined): ComponentCustomization => ({
  extraArgs: sorted(c?.extraArgs),
  extraVolumes: (c?.extraVolumes ?? []).map((v) => ({ ...v })),
});

export function clusterCustomization(spec: ClusterSpec): ClusterCustomization {
  const s = spec.spec;
  const api = s.controlPlane?.apiServer;
  return {
    apiServer: {
      ...component(api),
      ...(api?.auditPolicy ? { auditPolicy: api.auditPolicy } : {}),
      ...(api?.admission ? { admission: api.admission } : {}),
    },
    controllerManager: component(s.controlPlane?.controllerManager),
    scheduler: component(s.controlPlane?.scheduler),
    etcdExtraArgs: sorted(s.etcd?.extraArgs),
    kubeletConfig: sorted(s.kubelet?.config),
    kubeProxyConfig: sorted(s.kubeProxy?.config),
    patches: (s.patches ?? []).map((p, i) => ({ target: p.target, type: p.type ?? 'strategic', patch: p.patch, origin: ['spec', 'patches', i] })),
  };
}

/** Files a node gets: the cluster's, with the node's entries replacing those of the same path. */
export function effectiveFiles(spec: ClusterSpec, own: NodeSpec | PoolSpec, ownPath: SpecPath): UserFile[] {
  const byPath = new Map<string, UserFile>();
  const add = (files: NodeSpec['files'], base: SpecPath) =>
    (files ?? []).forEach((f, i) => byPath.set(f.path, { path: f.path, content: f.content, mode: parseInt(f.mode ?? '0644', 8), origin: [...base, 'files', i] }));
  add(spec.spec.files, ['spec']);
  add(own.files, ownPath);
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function nodeCustomization(spec: ClusterSpec, own: NodeSpec | PoolSpec, ownPath: SpecPath): NodeCustomization {
  const s = spec.spec;
  const clusterKubelet = sorted(s.kubelet?.config);
  const override = sorted(own.kubelet?.config);
  const sysctls = { ...(s.sysctls ?? {}), ...(own.sysctls ?? {}) };
  return {
    kubeletConfigOverride: override,
    kubeletConfig: mergeOver(clusterKubelet, override),
    kubeletExtraArgs: sorted({ ...(s.kubelet?.extraArgs ?? {}), ...(own.kubelet?.extraArgs ?? {}) }),
    files: effectiveFiles(spec, own, ownPath),
    sysctls: Object.entries(sorted(sysctls)).map(([k, v]) => [k, String(v)]),
    kernelModules: [...(own.kernelModules ?? s.kernelModules ?? [])],
    sysctlsOrigin: own.sysctls ? [...ownPath, 'sysctls'] : ['spec', 'sysctls'],
    kernelModulesOrigin: own.kernelModules ? [...ownPath, 'kernelModules'] : ['spec', 'kernelModules'],
  };
}
