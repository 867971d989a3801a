// The localhost API server proxy (spec.controlPlane.loadBalancer: localhost, Kubespray's default):
// on every kubelet node without a control plane, nginx (or haproxy, controlPlane.localhostProxy) on
// 127.0.0.1:<port> in front of all control planes, so there is no shared load balancer to build or lose.
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { NGINX_CONF_DIR, nginxProxyPod } from '../manifests/nginxProxy.js';
import { nginxConf } from '../manifests/nginxConf.js';
import { haproxyConf } from '../manifests/haproxyConf.js';
import { HAPROXY_CONF_DIR, haproxyPod } from '../manifests/haproxyProxy.js';
import { toYaml } from '../../text/yaml.js';
import { perCluster } from '../perCluster.js';

/** The proxy's two files: the same on every node that runs it (built once per cluster). */
const proxyFiles = perCluster((model) => {
  if (model.controlPlane.localhostProxy === 'haproxy') {
    const cfg = haproxyConf(model);
    const origin = ['spec', 'controlPlane', 'localhostProxy'];
    return [
      { path: `${HAPROXY_CONF_DIR}/haproxy.cfg`, content: cfg, origin },
      { path: '/etc/kubernetes/manifests/haproxy.yaml', content: toYaml(haproxyPod(model, cfg)), origin },
    ];
  }
  const conf = nginxConf(model);
  const origin = ['spec', 'controlPlane', 'loadBalancer'];
  return [
    { path: `${NGINX_CONF_DIR}/nginx.conf`, content: conf, origin },
    { path: '/etc/kubernetes/manifests/nginx-proxy.yaml', content: toYaml(nginxProxyPod(model, conf)), origin },
  ];
});

export const apiserverProxyBuilder: Builder = {
  name: 'apiserverProxy',
  build({ model, node, plan }) {
    // Control planes reach their own API server; etcd-only nodes run no kubelet (as Kubespray's etcd group).
    if (model.controlPlane.loadBalancer !== 'localhost' || node.isControlPlane || !node.roles.includes('worker')) return;
    for (const f of proxyFiles(model)) addFile(plan, { ...f, mode: 0o644, builder: 'apiserverProxy' });
  },
};
