// The kube-vip static Pod on every control plane (loadBalancer: kube-vip; Kubespray's kube-vip role,
// kube-vip's own `kube-vip manifest pod --controlplane --arp --leaderElection`): the control planes
// elect a leader through a Lease, and the leader answers ARP for the virtual IP, so the API stays at
// one address with no load balancer. The interface is the one of the default route (kube-vip
// detects it when vip_interface is unset), so nodes with different NIC names work.
//
// kubeconfig: on Kubernetes 1.29+ admin.conf's group (kubeadm:cluster-admins) is bound to
// cluster-admin by kubeadm only once the API is up, which needs the VIP, which needs kube-vip: so
// the first control plane's kube-vip starts with super-admin.conf (system:masters), and the node
// program points it at admin.conf right after `kubeadm init` (as kube-vip's docs and Kubespray do).
import type { ClusterModel } from '../../model/model.js';
import { KUBE_SYSTEM, hostPathVolume, metadata, type K8sObject } from './k8s.js';

export const KUBE_VIP_MANIFEST = '/etc/kubernetes/manifests/kube-vip.yaml';
export const SUPER_ADMIN_CONF = '/etc/kubernetes/super-admin.conf';
export const ADMIN_CONF = '/etc/kubernetes/admin.conf';

export function kubeVipPod(model: ClusterModel, kubeconfig: string): K8sObject {
  const env: Array<Record<string, unknown>> = [
    ['vip_arp', 'true'],
    ['port', String(model.controlPlane.bindPort)],
    // A host route for the VIP: /32, or /128 for an IPv6 VIP (announced by NDP instead of ARP).
    ['vip_subnet', model.controlPlane.clientEndpoint.host.includes(':') ? '128' : '32'],
    ['dns_mode', 'first'],
    ['cp_enable', 'true'],
    ['cp_namespace', KUBE_SYSTEM],
    ['vip_leaderelection', 'true'],
    ['vip_leasename', 'plndr-cp-lock'],
    ['vip_leaseduration', '5'],
    ['vip_renewdeadline', '3'],
    ['vip_retryperiod', '1'],
    ['address', model.controlPlane.clientEndpoint.host],
  ].map(([name, value]) => ({ name, value }));
  env.splice(2, 0, { name: 'vip_nodename', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata('kube-vip', { namespace: KUBE_SYSTEM }),
    spec: {
      containers: [
        {
          name: 'kube-vip',
          image: model.images.kubeVip,
          imagePullPolicy: 'IfNotPresent',
          args: ['manager'],
          env,
          securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] } },
          volumeMounts: [{ mountPath: ADMIN_CONF, name: 'kubeconfig' }],
        },
      ],
      // The kubeconfig names the API by the VIP; before this node holds it, reach the local apiserver.
      hostAliases: [{ hostnames: ['kubernetes'], ip: '127.0.0.1' }],
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      // File: a missing kubeconfig fails the pod (and the kubelet retries) instead of the kubelet
      // creating a directory where kubeadm is about to write the file.
      volumes: [hostPathVolume('kubeconfig', kubeconfig, 'File')],
    },
  };
}
