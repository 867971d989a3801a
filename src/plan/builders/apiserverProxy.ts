// The localhost API server proxy (spec.controlPlane.loadBalancer: localhost, Kubespray's default):
// on every kubelet node without a control plane, nginx on 127.0.0.1:<port> in front of all
// control planes, so there is no shared load balancer to build or lose.
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { NGINX_CONF_DIR, nginxProxyPod } from '../manifests/nginxProxy.js';
import { nginxConf } from '../manifests/nginxConf.js';
import { toYaml } from '../../emit/yaml.js';

export const apiserverProxyBuilder: Builder = {
  name: 'apiserverProxy',
  build({ model, node, plan }) {
    // Control planes reach their own API server; etcd-only nodes run no kubelet (as Kubespray's etcd group).
    if (model.controlPlane.loadBalancer !== 'localhost' || node.isControlPlane || !node.roles.includes('worker')) return;
    const origin = ['spec', 'controlPlane', 'loadBalancer'];
    const conf = nginxConf(model);
    addFile(plan, { path: `${NGINX_CONF_DIR}/nginx.conf`, content: conf, mode: 0o644, builder: 'apiserverProxy', origin });
    addFile(plan, {
      path: '/etc/kubernetes/manifests/nginx-proxy.yaml',
      content: toYaml(nginxProxyPod(model, conf)),
      mode: 0o644,
      builder: 'apiserverProxy',
      origin,
    });
  },
};
