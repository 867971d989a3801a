// Multus (thin plugin, the image Kubespray pins) on top of the cluster's plugin: the
// NetworkAttachmentDefinition CRD, RBAC and the DaemonSet. Multus generates 00-multus.conf from
// the primary plugin's config on each node, so it needs no per-plugin settings.
import type { ClusterModel } from '../../model/model.js';
import { networkImages } from '../../catalog/network.js';
import { KUBE_SYSTEM, clusterRole, clusterRoleBinding, hostPathVolume, metadata, serviceAccount, type K8sObject } from './k8s.js';

const LABELS = { app: 'multus', name: 'multus' };

export function networkAttachmentDefinitionCrd(): K8sObject {
  const str = { type: 'string' };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: metadata('network-attachment-definitions.k8s.cni.cncf.io'),
    spec: {
      group: 'k8s.cni.cncf.io',
      scope: 'Namespaced',
      names: { plural: 'network-attachment-definitions', singular: 'network-attachment-definition', kind: 'NetworkAttachmentDefinition', shortNames: ['net-attach-def'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              description: 'NetworkAttachmentDefinition is a CRD schema specified by the Network Plumbing Working Group to express the intent for attaching pods to one or more logical or physical networks.',
              type: 'object',
              properties: {
                apiVersion: str,
                kind: str,
                metadata: { type: 'object' },
                spec: { type: 'object', properties: { config: str } },
              },
            },
          },
        },
      ],
    },
  };
}

function daemonSet(model: ClusterModel): K8sObject {
  const image = networkImages(model.artifacts.registry).multus;
  const resources = { requests: { cpu: '100m', memory: '50Mi' }, limits: { cpu: '100m', memory: '50Mi' } };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: metadata('kube-multus-ds', { namespace: KUBE_SYSTEM, labels: { tier: 'node', app: 'multus' } }),
    spec: {
      selector: { matchLabels: LABELS },
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels: { tier: 'node', ...LABELS } },
        spec: {
          hostNetwork: true,
          tolerations: [
            { operator: 'Exists', effect: 'NoSchedule' },
            { operator: 'Exists', effect: 'NoExecute' },
          ],
          serviceAccountName: 'multus',
          priorityClassName: 'system-node-critical',
          initContainers: [
            {
              name: 'install-multus-binary',
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['/install_multus'],
              args: ['--type', 'thin'],
              resources: { requests: { cpu: '10m', memory: '15Mi' } },
              securityContext: { privileged: true },
              terminationMessagePolicy: 'FallbackToLogsOnError',
              volumeMounts: [{ name: 'cnibin', mountPath: '/host/opt/cni/bin', mountPropagation: 'Bidirectional' }],
            },
          ],
          containers: [
            {
              name: 'kube-multus',
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['/thin_entrypoint'],
              // auto: wraps the lexically first CNI config in net.d, the primary plugin's.
              args: ['--multus-conf-file=auto', '--multus-autoconfig-dir=/host/etc/cni/net.d', '--cni-conf-dir=/host/etc/cni/net.d'],
              resources,
              securityContext: { privileged: true },
              terminationMessagePolicy: 'FallbackToLogsOnError',
              volumeMounts: [
                { name: 'cni', mountPath: '/host/etc/cni/net.d' },
                { name: 'cnibin', mountPath: '/host/opt/cni/bin' },
              ],
            },
          ],
          terminationGracePeriodSeconds: 10,
          volumes: [hostPathVolume('cni', '/etc/cni/net.d'), hostPathVolume('cnibin', '/opt/cni/bin')],
        },
      },
    },
  };
}

export function multusManifests(model: ClusterModel): K8sObject[] {
  return [
    networkAttachmentDefinitionCrd(),
    serviceAccount('multus'),
    clusterRole('multus', [
      { apiGroups: ['k8s.cni.cncf.io'], resources: ['*'], verbs: ['*'] },
      { apiGroups: [''], resources: ['pods', 'pods/status'], verbs: ['get', 'list', 'update', 'watch'] },
      { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch', 'update'] },
    ]),
    clusterRoleBinding('multus', 'multus', 'multus'),
    daemonSet(model),
  ];
}
