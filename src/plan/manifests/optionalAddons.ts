// The settings-driven addons (spec.addons.coredns, dnsAutoscaler, localPathProvisioner, registry):
// which are on, and their manifests, for the addons builder. Each is one file of ADDON_FILES.
import type { ClusterModel } from '../../model/model.js';
import type { ADDON_FILES } from './addonFiles.js';
import { corednsManifests } from './coredns.js';
import { dnsAutoscalerManifests } from './dnsAutoscaler.js';
import type { K8sObject } from './k8s.js';
import { localPathProvisionerManifests } from './localPathProvisioner.js';
import { registryManifests } from './registry.js';

type Key = keyof typeof ADDON_FILES & keyof ClusterModel['addons'];

export function optionalAddons(model: ClusterModel): Array<[Key, boolean, () => K8sObject[]]> {
  const a = model.addons;
  return [
    // Only a changed Corefile is applied: kubeadm's own stays untouched otherwise.
    ['coredns', a.coredns.customized, () => corednsManifests(model)],
    ['dnsAutoscaler', a.dnsAutoscaler.enabled, () => dnsAutoscalerManifests(model)],
    ['localPathProvisioner', a.localPathProvisioner.enabled, () => localPathProvisionerManifests(model)],
    ['registry', a.registry.enabled, () => registryManifests(model)],
  ];
}
