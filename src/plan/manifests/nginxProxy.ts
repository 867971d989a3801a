// The nginx-proxy static Pod (Kubespray's manifests/nginx-proxy.manifest.j2): the kubelet starts it
// from /etc/kubernetes/manifests before it can reach any API server, which is the point.
import { createHash } from 'node:crypto';
import type { ClusterModel } from '../../model/model.js';
import { KUBE_SYSTEM, hostPathVolume, metadata, type K8sObject } from './k8s.js';
import { NGINX_HEALTH_PORT } from './nginxConf.js';

export const NGINX_CONF_DIR = '/etc/nginx';

export function nginxProxyPod(model: ClusterModel, conf: string): K8sObject {
  const probe = { httpGet: { path: '/healthz', port: NGINX_HEALTH_PORT } };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata('nginx-proxy', {
      namespace: KUBE_SYSTEM,
      labels: { 'addonmanager.kubernetes.io/mode': 'Reconcile', 'k8s-app': 'kube-nginx' },
      // A new config changes the manifest, so the kubelet restarts the pod with it (as Kubespray).
      annotations: { 'nginx-cfg-checksum': createHash('sha256').update(conf).digest('hex') },
    }),
    spec: {
      hostNetwork: true,
      dnsPolicy: 'ClusterFirstWithHostNet',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      // Without it the node loses the API server: never evict it first.
      priorityClassName: 'system-node-critical',
      containers: [
        {
          name: 'nginx-proxy',
          image: model.images.nginx,
          imagePullPolicy: 'IfNotPresent',
          resources: { requests: { cpu: '25m', memory: '32M' } },
          livenessProbe: probe,
          readinessProbe: probe,
          volumeMounts: [{ mountPath: NGINX_CONF_DIR, name: 'etc-nginx', readOnly: true }],
        },
      ],
      volumes: [hostPathVolume('etc-nginx', NGINX_CONF_DIR)],
    },
  };
}
