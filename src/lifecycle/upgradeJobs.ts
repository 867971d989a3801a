// What `kspray upgrade --apply` puts in the cluster: one ConfigMap with the node program (upgrade
// mode included) and the target version's verified downloads per architecture, and per node a
// privileged Job pinned to it that runs `kspray-node.sh --upgrade VERSION apply|node` in the host's
// namespaces. Pure: manifests as text.
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { componentVersions, images, nodeDownloads, type Arch } from '../catalog/catalog.js';
import { runsKubeProxy, type ClusterModel, type NodeModel } from '../model/model.js';
import { crioUpgrade, crioUpgradeDownload } from './upgradeRuntime.js';
import { downloadsTsv } from '../plan/downloads.js';

export const UPGRADE_NAMESPACE = 'kube-system';
/** Label on everything the upgrade creates: its target version. */
export const UPGRADE_LABEL = 'kspray.io/upgrade-to';
const UPGRADE_BINARIES = new Set(['kubeadm', 'kubelet', 'kubectl']);

const dashed = (version: string) => version.replace(/\./g, '-');

export const upgradeConfigMapName = (version: string) => `kspray-upgrade-${dashed(version)}`;

/** kspray-upgrade-<version>-<node>, shortened with a hash when over 63 characters (the job-name label's limit). */
export function upgradeJobName(version: string, node: string): string {
  const name = `kspray-upgrade-${dashed(version)}-${node}`;
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(node).digest('hex').slice(0, 8);
  return `${name.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}

/**
 * The target's kubeadm, kubelet and kubectl for one architecture, and cri-o's bundle when the target
 * moves it (lifecycle/upgradeRuntime.ts): downloads.tsv lines (id, url, sha256).
 */
export function upgradeDownloads(model: ClusterModel, version: string, arch: Arch): string {
  const binaries = nodeDownloads(componentVersions(version), arch, model.artifacts.mirror).filter((d) => UPGRADE_BINARIES.has(d.id));
  return downloadsTsv([...binaries, ...crioUpgradeDownload(model, version, arch)]);
}

/**
 * The Job container's environment, which nsenter hands to the program on the host: the target's
 * pause image when cri-o moves and its pause changes (the program rewrites crio.conf.d's pause_image).
 */
function upgradeEnv(model: ClusterModel, version: string): Array<{ name: string; value: string }> {
  const pause = crioUpgrade(model, version).change?.pause;
  return pause ? [{ name: 'KSPRAY_UPGRADE_PAUSE_IMAGE', value: pause }] : [];
}

/**
 * kubeadm's --skip-phases for both upgrade commands: kubeadm >= 1.32 re-deploys kube-proxy on upgrade
 * even when init skipped it (kubernetes/kubeadm#3137; Kubespray passes it too), so a cluster whose
 * Services Cilium serves must skip the addon again.
 */
export function upgradeSkipPhases(model: ClusterModel): string {
  return runsKubeProxy(model) ? '' : '--skip-phases=addon/kube-proxy';
}

const labels = (version: string) => ({ 'app.kubernetes.io/managed-by': 'kspray', [UPGRADE_LABEL]: version });

export function upgradeConfigMap(model: ClusterModel, version: string, nodes: NodeModel[], program: string): string {
  const arches = [...new Set(nodes.map((n) => n.arch))].sort();
  return stringify(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: upgradeConfigMapName(version), namespace: UPGRADE_NAMESPACE, labels: labels(version) },
      data: {
        'kspray-node.sh': program,
        ...Object.fromEntries(arches.map((a) => [`downloads-${a}.tsv`, upgradeDownloads(model, version, a)])),
      },
    },
    { lineWidth: 0 },
  );
}

/** The upgrade Job's image: the localhost proxy's nginx (Alpine), honouring artifacts.registry. */
export const upgradeJobImage = (model: ClusterModel): string => images(model.versions, model.artifacts.registry).nginx;

/**
 * The Job for one node. nodeName bypasses the scheduler (the node is cordoned), tolerations let
 * it run on tainted control planes, hostPID lets nsenter reach PID 1's namespaces, hostNetwork
 * keeps the pod independent of the CNI (whose pods the drain may have moved); the host root
 * mount is where the program and the downloads list are copied for the host to run. backoffLimit
 * 0: the program retries its downloads itself, and a failed kubeadm upgrade needs a human.
 * The image is the localhost proxy's nginx (Alpine: busybox sh, cp and nsenter), from the catalog
 * and honouring artifacts.registry.
 */
export function upgradeJob(model: ClusterModel, node: NodeModel, version: string, mode: 'apply' | 'node'): string {
  const dir = `/var/lib/kspray/upgrade/v${version}`;
  const script = [
    'set -eu',
    `mkdir -p /host${dir}`,
    `cp /kspray/kspray-node.sh /host${dir}/kspray-node.sh`,
    `cp /kspray/downloads-${node.arch}.tsv /host${dir}/downloads.tsv`,
    `exec nsenter -t 1 -m -u -i -n -p -- bash ${dir}/kspray-node.sh --upgrade ${version} ${mode}${upgradeSkipPhases(model) ? ` ${upgradeSkipPhases(model)}` : ''}`,
  ].join('\n');
  const podLabels = { ...labels(version), 'kspray.io/node': node.name };
  const env = upgradeEnv(model, version);
  return stringify(
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: upgradeJobName(version, node.name), namespace: UPGRADE_NAMESPACE, labels: podLabels },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: 3600,
        template: {
          metadata: { labels: podLabels },
          spec: {
            nodeName: node.name,
            hostPID: true,
            hostNetwork: true,
            restartPolicy: 'Never',
            priorityClassName: 'system-node-critical',
            tolerations: [{ operator: 'Exists' }],
            containers: [
              {
                name: 'upgrade',
                image: upgradeJobImage(model),
                command: ['/bin/sh', '-c', script],
                ...(env.length ? { env } : {}),
                securityContext: { privileged: true },
                volumeMounts: [
                  { name: 'host', mountPath: '/host' },
                  { name: 'program', mountPath: '/kspray', readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'host', hostPath: { path: '/', type: 'Directory' } },
              { name: 'program', configMap: { name: upgradeConfigMapName(version) } },
            ],
          },
        },
      },
    },
    { lineWidth: 0 },
  );
}
