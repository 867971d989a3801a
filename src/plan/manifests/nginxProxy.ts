// nginx as the localhost API proxy (Kubespray's default loadbalancer_apiserver_type).
import type { ClusterModel } from '../../model/model.js';
import type { K8sObject } from './k8s.js';
import { localhostProxyPod } from './localhostProxyPod.js';
import { NGINX_HEALTH_PORT } from './nginxConf.js';

export const NGINX_CONF_DIR = '/etc/nginx';

export function nginxProxyPod(model: ClusterModel, conf: string): K8sObject {
  return localhostProxyPod(
    {
      name: 'nginx-proxy',
      app: 'kube-nginx',
      image: model.images.nginx,
      confDir: NGINX_CONF_DIR,
      mountPath: NGINX_CONF_DIR,
      volumeName: 'etc-nginx',
      healthPort: NGINX_HEALTH_PORT,
      checksumAnnotation: 'nginx-cfg-checksum',
    },
    conf,
  );
}
