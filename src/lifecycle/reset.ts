// `kspray reset --node NAME` (Kubespray's reset.yml, roles/reset/tasks/main.yml): a bash script that
// undoes what the node program (node/kspray-node.sh) and the payload did, so the node can be
// re-provisioned. Safe to run twice: every step is skipped or harmless when already done.
// KSPRAY_ROOT prefixes every path it removes (tests), as in the node program.
import { stringify } from 'yaml';
import type { ClusterModel, NodeModel } from '../model/model.js';
import { osProfile } from '../plan/osProfile.js';
import { registriesConfPath } from '../plan/builders/crio.js';

/** Directories and files Kubespray's reset removes that kspray's payloads or node program can create. */
export const RESET_PATHS = [
  // Kubernetes and kubeadm
  '/etc/kubernetes',
  '/var/lib/kubelet',
  '/run/kubernetes',
  '/usr/libexec/kubernetes',
  '/opt/libexec/kubernetes',
  '/var/log/pods',
  // etcd (stacked: /var/lib/etcd; external: also /etc/etcd)
  '/var/lib/etcd',
  '/etc/etcd',
  '/etc/etcd.env',
  // CNI and network plugins
  '/etc/cni',
  '/var/lib/cni',
  '/opt/cni',
  '/etc/calico',
  '/var/lib/calico',
  '/run/calico',
  '/var/log/calico',
  '/etc/flannel',
  '/run/flannel',
  '/var/lib/kube-router',
  '/etc/cilium',
  // localhost API proxies (nginx, haproxy)
  '/etc/nginx',
  '/etc/haproxy',
  // container runtime (its images too: the node program pulls them again)
  '/etc/containerd',
  '/var/lib/containerd',
  '/run/containerd',
  '/etc/crictl.yaml',
  // cri-o (static bundle): config, image and container storage, state, conmon and OCI runtimes, unit.
  // /etc/containers stays: the OS's containers-common owns it (kspray's mirror files go with -f).
  '/etc/crio',
  '/var/lib/crio',
  '/var/lib/containers',
  '/run/containers',
  '/var/run/crio',
  '/usr/local/libexec/crio',
  '/etc/systemd/system/crio.service',
  '/etc/systemd/system/crio.service.d',
  // kspray: payload config, phase markers, node program
  '/etc/kspray',
  '/var/lib/kspray',
  '/var/cache/kspray',
  '/opt/kspray',
  '/usr/local/lib/kspray',
  // host settings from the payload
  '/etc/modules-load.d/kubernetes.conf',
  '/etc/sysctl.d/99-kubernetes.conf',
  // the spec's sysctls and kernelModules (its files are listed per node: resetOptionsForNode)
  '/etc/modules-load.d/kspray-user.conf',
  '/etc/sysctl.d/90-kspray-user.conf',
  // systemd units from the payload
  '/etc/systemd/system/kspray-bootstrap.service',
  '/etc/systemd/system/kubelet.service',
  '/etc/systemd/system/kubelet.service.d',
  '/etc/systemd/system/containerd.service',
  '/etc/systemd/system/containerd.service.d',
  '/etc/systemd/system/etcd.service',
  // spec.pki.autoRenew (control planes): the renewal timer, its service and script (under /opt/kspray)
  '/etc/systemd/system/kspray-certs-renew.service',
  '/etc/systemd/system/kspray-certs-renew.timer',
];

/** Binaries the node program installs into its bin dir (/usr/local/bin, Flatcar and FCOS: /opt/bin). */
export const RESET_BINARIES = ['kubeadm', 'kubelet', 'kubectl', 'crictl', 'etcd', 'etcdctl'];
/** containerd and runc as the node program unpacks them (not on Flatcar, which ships its own under /usr). */
export const RESET_RUNTIME_FILES = [
  '/usr/local/bin/containerd',
  '/usr/local/bin/containerd-shim-runc-v2',
  '/usr/local/bin/containerd-stress',
  '/usr/local/bin/ctr',
  '/usr/local/sbin/runc',
  // cri-o's static bundle (crio, pinns; the bin dir of every OS cri-o is allowed on)
  '/usr/local/bin/crio',
  '/usr/local/bin/pinns',
];

/** Interfaces left by the CNI plugins, kube-proxy (ipvs) and nodelocaldns (shell case patterns). */
export const RESET_LINK_PATTERNS = ['cali*', 'vxlan.calico', 'vxlan-v6.calico', 'tunl0', 'flannel*', 'cni0', 'kube-ipvs0', 'kube-bridge', 'nodelocaldns', 'cilium_*', 'lxc_health', 'kube-dummy-if'];

export const SERVICES = ['kspray-bootstrap', 'kubelet', 'etcd', 'containerd', 'crio'];

export interface ResetOptions {
  node: string;
  /** Bin dirs to clean; default both kspray uses. */
  binDirs?: string[];
  /** Further files only the spec names (cri-o's registries.conf.d mirror files, the spec's own files). */
  extraPaths?: string[];
}

/** With the spec (-f): only the node OS's bin dir, the mirror files the spec's cri-o got, and the spec's files for this node. */
export function resetOptionsForNode(model: ClusterModel, node: NodeModel): ResetOptions {
  const crio = model.containerRuntime.name === 'cri-o';
  const extraPaths = [
    ...(crio ? model.containerRuntime.registryMirrors.map((m) => registriesConfPath(m.host)) : []),
    ...node.custom.files.map((f) => f.path),
  ];
  return {
    node: node.name,
    binDirs: [osProfile(node.os).binDir],
    ...(extraPaths.length ? { extraPaths } : {}),
  };
}

export function resetScript(opts: ResetOptions): string {
  const binDirs = opts.binDirs ?? ['/usr/local/bin', '/opt/bin'];
  const list = (items: string[]) => items.map((p) => `  ${p}`).join('\n');
  const binaries = binDirs.flatMap((d) => RESET_BINARIES.map((b) => `${d}/${b}`));
  return `#!/usr/bin/env bash
# kspray reset for node ${opts.node}: undoes what its payload and the node program did (Kubespray's
# reset.yml), so the node can be provisioned again. Safe to run twice. Every step is best effort,
# as in Kubespray (ignore_errors): a failure is reported and the reset goes on.
# KSPRAY_ROOT prefixes every path removed (tests). Then re-apply the node's payload and reboot.
set -uo pipefail

R=\${KSPRAY_ROOT:-}
PATH=$PATH:${binDirs.join(':')}
warnings=0
log() { printf 'kspray-reset: %s\\n' "$*" >&2; }
warn() {
  log "warning: $*"
  warnings=$((warnings + 1))
}
have() { command -v "$1" >/dev/null 2>&1; }

if [[ -z $R && $(id -u) -ne 0 ]]; then
  log "run as root"
  exit 1
fi

log "kubeadm reset"
if have kubeadm; then kubeadm reset -f || warn "kubeadm reset failed"; fi

log "removing pods and stopping services"
if have crictl; then crictl rmp --all --force >/dev/null 2>&1 || true; fi
if have systemctl; then
  for unit in ${SERVICES.join(' ')}; do
    systemctl disable --now "$unit.service" >/dev/null 2>&1 || true
  done
  systemctl disable --now kspray-certs-renew.timer >/dev/null 2>&1 || true
fi

log "unmounting kubelet, pod network namespace and cri-o storage mounts"
if [[ -r /proc/mounts ]]; then
  mapfile -t mounts < <(awk '{print $2}' /proc/mounts | sort -r)
  for m in "\${mounts[@]}"; do
    case $m in
      "$R"/var/lib/kubelet/* | "$R"/run/netns/* | "$R"/var/lib/containers/storage/* | "$R"/run/containers/storage/*) umount -l "$m" || warn "umount $m failed" ;;
    esac
  done
fi

log "deleting CNI, kube-proxy and nodelocaldns interfaces"
for dev in "$R"/sys/class/net/*; do
  link=\${dev##*/}
  case $link in
    ${RESET_LINK_PATTERNS.join(' | ')})
      if have ip; then ip link delete "$link" >/dev/null 2>&1 || warn "could not delete interface $link"; fi
      ;;
  esac
done

log "flushing kube-proxy and CNI firewall rules"
for save in iptables-save ip6tables-save; do
  restore=\${save%-save}-restore
  if have "$save" && have "$restore"; then
    rules=$("$save") || {
      warn "$save failed"
      continue
    }
    grep -v -E 'KUBE-|cali|CILIUM|FLANNEL|flannel' <<<"$rules" | "$restore" || warn "$restore failed"
  fi
done
if have nft; then
  while read -r _ family table _; do
    case $table in
      kube-proxy | calico | cali* | cilium*) nft delete table "$family" "$table" || warn "nft delete table $family $table failed" ;;
    esac
  done < <(nft list tables 2>/dev/null || true)
fi
if have ipvsadm; then ipvsadm --clear || warn "ipvsadm --clear failed"; fi

log "removing files and directories"
paths=(
${list(RESET_PATHS)}
${list(binaries)}
${list([...RESET_RUNTIME_FILES, ...(opts.extraPaths ?? [])])}
)
for p in "\${paths[@]}"; do
  rm -rf -- "$R$p" || warn "could not remove $R$p"
done
if have systemctl; then systemctl daemon-reload || true; fi

# The next boot runs user data again (the node's payload, once re-applied).
if [[ -z $R ]] && have cloud-init; then cloud-init clean --logs || warn "cloud-init clean failed"; fi

if ((warnings > 0)); then
  log "done with $warnings warning(s); re-apply the payload of ${opts.node} and reboot"
else
  log "done; re-apply the payload of ${opts.node} and reboot"
fi
`;
}

export const RESET_SCRIPT_PATH = '/usr/local/sbin/kspray-reset.sh';

/** The script as a #cloud-config: written by write_files, run by runcmd. */
export function resetCloudConfig(opts: ResetOptions): string {
  const doc = {
    write_files: [{ path: RESET_SCRIPT_PATH, permissions: '0755', owner: 'root:root', content: resetScript(opts) }],
    runcmd: [[RESET_SCRIPT_PATH]],
  };
  return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}
