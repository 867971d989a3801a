// Files the kube-apiserver reads besides kubeadm's: the audit policy and the admission configuration
// from spec.controlPlane.apiServer, on every control plane (ClusterConfiguration, builders/kubeadm.ts,
// points the flags and volumes at these paths).
import { toYaml } from '../../text/yaml.js';
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';

export const AUDIT_POLICY_PATH = '/etc/kubernetes/audit/policy.yaml';
export const AUDIT_LOG_DIR = '/var/log/kubernetes/audit';
export const ADMISSION_CONFIG_PATH = '/etc/kubernetes/admission/config.yaml';

export const apiServerConfigBuilder: Builder = {
  name: 'apiServerConfig',
  build({ model, node, plan }) {
    if (!node.isControlPlane) return;
    const api = model.custom.apiServer;
    const at = ['spec', 'controlPlane', 'apiServer'];
    if (api.auditPolicy) {
      addFile(plan, { path: AUDIT_POLICY_PATH, content: toYaml(api.auditPolicy), mode: 0o600, builder: 'apiServerConfig', origin: [...at, 'auditPolicy'] });
    }
    if (api.admission) {
      addFile(plan, { path: ADMISSION_CONFIG_PATH, content: toYaml(api.admission), mode: 0o600, builder: 'apiServerConfig', origin: [...at, 'admission'] });
    }
  },
};
