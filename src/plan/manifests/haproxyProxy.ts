// The haproxy static Pod (Kubespray's manifests/haproxy.manifest.j2), the localhostProxy: haproxy
// counterpart of nginx-proxy: the kubelet starts it from /etc/kubernetes/manifests before it can
// reach any API server.
import { createHash } from 'node:crypto';
import type { ClusterModel } from '../../model/model.js';
import { KUBE_SYSTEM, hostPathVolume, metadata, type K8sObject } from './k8s.js';
import { HAPROXY_HEALTH_PORT } from './haproxyConf.js';

export const HAPROXY_CONF_DIR = '/etc/haproxy';

export function haproxyPod(model: ClusterModel, conf: string): K8sObject {
  const probe = { httpGet: { path: '/healthz', port: HAPROXY_HEALTH_PORT } };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata('haproxy', {
      namespace: KUBE_SYSTEM,
      labels: { 'addonmanager.kubernetes.io/mode': 'Reconcile', 'k8s-app': 'kube-haproxy' },
      // A new config changes the manifest, so the kubelet restarts the pod with it (as Kubespray).
      annotations: { 'haproxy-cfg-checksum': createHash('sha256').update(conf).digest('hex') },
    }),
    spec: {
      hostNetwork: true,
      dnsPolicy: 'ClusterFirstWithHostNet',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      priorityClassName: 'system-node-critical',
      containers: [
        {
          name: 'haproxy',
          image: model.images.haproxy,
          imagePullPolicy: 'IfNotPresent',
          resources: { requests: { cpu: '25m', memory: '32M' } },
          livenessProbe: probe,
          readinessProbe: probe,
          // The official image reads /usr/local/etc/haproxy/haproxy.cfg.
          volumeMounts: [{ mountPath: '/usr/local/etc/haproxy/', name: 'etc-haproxy', readOnly: true }],
        },
      ],
      volumes: [hostPathVolume('etc-haproxy', HAPROXY_CONF_DIR)],
    },
  };
}
