// Calico for the Kubernetes datastore, minus the CRDs (downloaded by the node: see addonFiles.ts):
// what upstream manifests/calico.yaml installs, in an order that applies cleanly top to bottom.
import type { ClusterModel } from '../../model/model.js';
import { calicoConfigMap } from './calicoConfig.js';
import { calicoKubeControllers } from './calicoKubeControllers.js';
import { calicoNodeDaemonSet } from './calicoNode.js';
import { calicoRbac } from './calicoRbac.js';
import type { K8sObject } from './k8s.js';

export function calicoManifests(model: ClusterModel): K8sObject[] {
  return [...calicoRbac(), calicoConfigMap(model), calicoNodeDaemonSet(model), ...calicoKubeControllers(model)];
}
