// Every builder, in a fixed order. Order does not change output (files are sorted by path), but
// a fixed list makes "which builder wrote this" easy to answer.
import type { Builder } from '../builder.js';
import { osBuilder } from './os.js';
import { containerdBuilder } from './containerd.js';
import { crioBuilder } from './crio.js';
import { proxyBuilder } from './proxy.js';
import { kubeletBuilder } from './kubelet.js';
import { pkiFilesBuilder } from './pkiFiles.js';
import { kubeadmBuilder } from './kubeadm.js';
import { etcdBuilder } from './etcd.js';
import { kubeVipBuilder } from './kubeVip.js';
import { apiserverProxyBuilder } from './apiserverProxy.js';
import { calicoBuilder } from './calico.js';
import { ciliumBuilder } from './cilium.js';
import { flannelBuilder } from './flannel.js';
import { kubeRouterBuilder } from './kubeRouter.js';
import { multusBuilder } from './multus.js';
import { addonsBuilder } from './addons.js';
import { appAddonsBuilder } from './appAddons.js';
import { bootstrapBuilder } from './bootstrap.js';
import { apiServerConfigBuilder } from './apiServerConfig.js';
import { patchesBuilder } from './patches.js';
import { userFilesBuilder } from './userFiles.js';
import { certsRenewBuilder } from './certsRenew.js';
import { secretsDeliveryBuilder } from './secretsDelivery.js';

export const BUILDERS: Builder[] = [
  osBuilder,
  containerdBuilder,
  crioBuilder,
  proxyBuilder,
  kubeletBuilder,
  pkiFilesBuilder,
  kubeadmBuilder,
  etcdBuilder,
  apiserverProxyBuilder,
  kubeVipBuilder,
  calicoBuilder,
  ciliumBuilder,
  flannelBuilder,
  kubeRouterBuilder,
  multusBuilder,
  addonsBuilder,
  appAddonsBuilder,
  bootstrapBuilder,
  apiServerConfigBuilder,
  patchesBuilder,
  // After bootstrap: it adds its timer to the units bootstrap lists.
  certsRenewBuilder,
  secretsDeliveryBuilder,
  // Last: it reports a user file on a path another builder wrote (userFiles.ts).
  userFilesBuilder,
];
