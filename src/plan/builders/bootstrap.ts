// What makes a node bootstrap itself: the node program (node/kspray-node.sh as shipped by
// plan/nodeProgram.ts, the same bytes on every node), the oneshot unit that runs it, and the two files that tell it what to do (node.env) and
// what to download (downloads.tsv). docs/node-contract.md is the contract between these and the program.
import { NODE_PROGRAM, NODE_PROGRAM_AWS_SECRETS, NODE_PROGRAM_FETCH } from '../nodeProgram.js';
import { controlPlaneNodes, externalEtcdEndpoints, isExternalEtcdMember, runsKubeProxy, runsKubernetes, type ClusterModel, type NodeModel } from '../../model/model.js';
import { downloadsOf, downloadsTsv } from '../downloads.js';
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { envFile } from '../../text/shell.js';
import { osPrepareEnv, osProfile } from '../osProfile.js';
import type { OsName } from '../../api/v1alpha1/types.js';
import { fetchesArchive, secretsEnv } from './secretsDelivery.js';

export const NODE_PROGRAM_PATH = '/usr/local/lib/kspray/kspray-node.sh';
export const BOOTSTRAP_UNIT = 'kspray-bootstrap.service';
/** Where the node program is on this OS (Flatcar: under /opt, /usr is read-only). */
export const nodeProgramPath = (os: OsName): string => `${osProfile(os).libDir}/kspray-node.sh`;

// ExecStart runs the program through bash: on SELinux systems (enforcing until prepare-os) systemd
// may exec a shell whatever label the program file got where the payload wrote it.
const bootstrapService = (programPath: string) => `# Written by kspray: runs the node program until the node has joined (docs/node-contract.md).
# Progress: /var/lib/kspray/status and journalctl -u ${BOOTSTRAP_UNIT}
[Unit]
Description=kspray node bootstrap
Wants=network-online.target
After=network-online.target
ConditionPathExists=!/var/lib/kspray/done
# Keep retrying however long the previous control planes take.
StartLimitIntervalSec=0

[Service]
Type=oneshot
ExecStart=/bin/bash ${programPath}
Restart=on-failure
RestartSec=30
RemainAfterExit=yes
TimeoutStartSec=0

[Install]
WantedBy=multi-user.target
`;

const hostPort = (address: string, port: number) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);
const readyz = (model: ClusterModel, n: NodeModel) => `https://${hostPort(n.address!, model.controlPlane.bindPort)}/readyz`;

export function nodeAction(node: NodeModel): 'init' | 'join-control-plane' | 'join-worker' | 'etcd' {
  // Only external etcd members run no kubelet (rules: etcd-role nodes are control planes when stacked).
  if (!runsKubernetes(node)) return 'etcd';
  if (node.isFirstControlPlane) return 'init';
  return node.isControlPlane ? 'join-control-plane' : 'join-worker';
}

/**
 * What must answer before this node joins. Control planes join one at a time (a stacked etcd
 * cluster grows one member at a time), so each waits for every control plane before it in spec
 * order; workers wait for the first one. Pool members have no fixed address to wait for.
 */
export function waitFor(model: ClusterModel, node: NodeModel): string[] {
  const action = nodeAction(node);
  if (action === 'init' || action === 'etcd') return [];
  const cps = controlPlaneNodes(model).filter((n) => n.address !== undefined);
  if (action === 'join-worker') return cps.filter((n) => n.isFirstControlPlane).map((n) => readyz(model, n));
  const before = cps.slice(0, Math.max(0, cps.indexOf(node)));
  return (cps.includes(node) ? before : cps).map((n) => readyz(model, n));
}

export function nodeEnv(model: ClusterModel, node: NodeModel): string {
  return envFile(nodeEnvEntries(model, node));
}

/** The node.env settings the install phases read (what a Packer bake, which has no node.env, runs with). */
export const INSTALL_ENV_KEYS = ['KSPRAY_BIN_DIR', 'KSPRAY_INSTALL_CONTAINERD', 'KSPRAY_CONTAINER_RUNTIME', 'KSPRAY_PACKAGE_MANAGER', 'KSPRAY_PACKAGES', 'KSPRAY_SELINUX', 'KSPRAY_FIREWALLD', 'KSPRAY_KERNEL_PACKAGES'];

/** This node's install settings, taken from its node.env entries so an image never differs from a booted node. */
export function installEnv(model: ClusterModel, node: NodeModel): Array<[string, string]> {
  return nodeEnvEntries(model, node).filter(([k]) => INSTALL_ENV_KEYS.includes(k));
}

function nodeEnvEntries(model: ClusterModel, node: NodeModel): Array<[string, string]> {
  // With the localhost proxy, kubeadm's endpoint is the first control plane; once joined, every
  // node talks to 127.0.0.1 instead (nginx on workers, the local apiserver on control planes), as
  // Kubespray does, so no node depends on the first control plane staying up.
  const localhost = model.controlPlane.loadBalancer === 'localhost';
  const localApi = localhost && !node.isFirstControlPlane && runsKubernetes(node) ? `https://127.0.0.1:${model.controlPlane.bindPort}` : '';
  // Nothing to repoint when Cilium replaces kube-proxy (kubeadm skipped the addon).
  const kubeProxyServer = localhost && node.isFirstControlPlane && runsKubeProxy(model) ? `https://127.0.0.1:${model.controlPlane.bindPort}` : '';
  const os = osProfile(node.os);
  const crio = model.containerRuntime.name === 'cri-o';
  return [
    ['KSPRAY_CLUSTER', model.name],
    ['KSPRAY_NODE_NAME', node.kind === 'node' ? node.name : ''],
    ['KSPRAY_ACTION', nodeAction(node)],
    ['KSPRAY_OS', node.os],
    ['KSPRAY_ARCH', node.arch],
    ['KSPRAY_KUBERNETES_VERSION', model.kubernetes.version],
    ['KSPRAY_API_ENDPOINT', model.controlPlane.kubeadmEndpoint],
    ['KSPRAY_WAIT_FOR', waitFor(model, node).join(' ')],
    ['KSPRAY_LOCAL_API_SERVER', localApi],
    ['KSPRAY_KUBE_PROXY_SERVER', kubeProxyServer],
    ['KSPRAY_PAUSE_IMAGE', model.images.pause],
    ['KSPRAY_ETCD_ENDPOINTS', node.isControlPlane ? externalEtcdEndpoints(model).join(' ') : ''],
    // An external etcd member that also runs Kubernetes: the etcd phase before init or join.
    ...(isExternalEtcdMember(model, node) && runsKubernetes(node) ? [['KSPRAY_ETCD_MEMBER', 'yes'] as [string, string]] : []),
    ['KSPRAY_BIN_DIR', os.binDir],
    ['KSPRAY_INSTALL_CONTAINERD', os.installContainerd && !crio ? 'yes' : 'no'],
    ...osPrepareEnv(node.os, model.kubernetes.proxyMode),
    // Written only when they apply, so clusters without cri-o or a proxy keep their payloads.
    ...(crio ? [['KSPRAY_CONTAINER_RUNTIME', 'cri-o'] as [string, string]] : []),
    ...proxyEnv(model),
    ...secretsEnv(model, node),
  ];
}

/** spec.proxy for the node program's curl, apt-get and kubeadm (the units get systemd drop-ins). */
function proxyEnv(model: ClusterModel): Array<[string, string]> {
  const p = model.proxy;
  if (!p) return [];
  return [
    ['KSPRAY_HTTP_PROXY', p.http ?? ''],
    ['KSPRAY_HTTPS_PROXY', p.https ?? ''],
    ['KSPRAY_NO_PROXY', p.noProxy],
  ];
}

/** The program with the secrets phase of the node's delivery, or without any. */
function nodeProgramFor(model: ClusterModel, node: NodeModel): string {
  if (!fetchesArchive(model, node)) return NODE_PROGRAM;
  return model.secrets.delivery === 'aws-secrets-manager' ? NODE_PROGRAM_AWS_SECRETS : NODE_PROGRAM_FETCH;
}

export const bootstrapBuilder: Builder = {
  name: 'bootstrap',
  build({ model, node, plan }) {
    const b = { builder: 'bootstrap', origin: node.specPath };
    const programPath = nodeProgramPath(node.os);
    addFile(plan, { ...b, path: programPath, content: nodeProgramFor(model, node), mode: 0o755 });
    addFile(plan, { ...b, path: `/etc/systemd/system/${BOOTSTRAP_UNIT}`, content: bootstrapService(programPath) });
    addFile(plan, { ...b, path: '/etc/kspray/node.env', content: nodeEnv(model, node), mode: 0o600 });
    addFile(plan, { ...b, path: '/etc/kspray/downloads.tsv', content: downloadsTsv(downloadsOf(model, node)) });
    plan.startUnits = [BOOTSTRAP_UNIT];
    plan.sshAuthorizedKeys = [...model.sshAuthorizedKeys];
  },
};
