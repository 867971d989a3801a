// haproxy as the localhost API proxy (controlPlane.localhostProxy: haproxy; Kubespray's
// loadbalancer_apiserver_type: haproxy).
import type { ClusterModel } from '../../model/model.js';
import type { K8sObject } from './k8s.js';
import { localhostProxyPod } from './localhostProxyPod.js';
import { HAPROXY_HEALTH_PORT } from './haproxyConf.js';

export const HAPROXY_CONF_DIR = '/etc/haproxy';

export function haproxyPod(model: ClusterModel, conf: string): K8sObject {
  return localhostProxyPod(
    {
      name: 'haproxy',
      app: 'kube-haproxy',
      image: model.images.haproxy,
      confDir: HAPROXY_CONF_DIR,
      mountPath: '/usr/local/etc/haproxy/', // where the official image reads haproxy.cfg
      volumeName: 'etc-haproxy',
      healthPort: HAPROXY_HEALTH_PORT,
      checksumAnnotation: 'haproxy-cfg-checksum',
    },
    conf,
  );
}
