// Cilium, generated (no Helm on the node): RBAC, cilium-config, the agent DaemonSet and the
// operator, which registers Cilium's CRDs itself. Apply order: config before the workloads reading it.
import type { ClusterModel } from '../../model/model.js';
import { ciliumAgentDaemonSet } from './ciliumAgent.js';
import { ciliumConfigMap } from './ciliumConfig.js';
import { ciliumOperatorDeployment } from './ciliumOperator.js';
import { ciliumRbac } from './ciliumRbac.js';
import type { K8sObject } from './k8s.js';

export function ciliumManifests(model: ClusterModel): K8sObject[] {
  return [...ciliumRbac(), ciliumConfigMap(model), ciliumAgentDaemonSet(model), ciliumOperatorDeployment(model)];
}
