// Kubespray's own defaults for its variables, read from data/kubespray-defaults/ (copied unmodified
// from Kubespray's roles, see its SOURCE.md). The import applies them when an inventory is silent,
// so the imported cluster is the one Kubespray would have built from the same inventory.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** Lowest precedence first: a later file wins (kubespray_defaults last, as every role depends on it). */
export const DEFAULT_FILES = [
  'roles/kubernetes-apps/ansible/defaults/main.yml',
  'roles/network_plugin/calico_defaults/defaults/main.yml',
  'roles/network_plugin/cilium/defaults/main.yml',
  'roles/network_plugin/flannel/defaults/main.yml',
  'roles/network_plugin/kube-router/defaults/main.yml',
  'roles/container-engine/containerd-common/defaults/main.yml',
  'roles/container-engine/containerd/defaults/main.yml',
  'roles/container-engine/cri-o/defaults/main.yml',
  'roles/etcd_defaults/defaults/main.yml',
  'roles/kubernetes/preinstall/defaults/main.yml',
  'roles/kubernetes/node/defaults/main.yml',
  'roles/kubernetes/control-plane/defaults/main/etcd.yml',
  'roles/kubernetes/control-plane/defaults/main/kube-proxy.yml',
  'roles/kubernetes/control-plane/defaults/main/kube-scheduler.yml',
  'roles/kubernetes/control-plane/defaults/main/main.yml',
  'roles/kubespray_defaults/defaults/main/main.yml',
] as const;

export interface KubesprayDefault {
  value: unknown;
  /** The file under data/kubespray-defaults/ it came from. */
  file: string;
}

let cached: Map<string, KubesprayDefault> | undefined;

export function kubesprayDefaults(): Map<string, KubesprayDefault> {
  if (cached) return cached;
  const out = new Map<string, KubesprayDefault>();
  for (const file of DEFAULT_FILES) {
    const text = readFileSync(new URL(`../../data/kubespray-defaults/${file}`, import.meta.url), 'utf8');
    const data = (parseYaml(text) ?? {}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(data)) out.set(name, { value, file });
  }
  cached = out;
  return out;
}

export const isTemplate = (v: unknown): v is string => typeof v === 'string' && v.includes('{{');
