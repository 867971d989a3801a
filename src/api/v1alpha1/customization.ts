// Customization fields of the spec (issue #12): component flags and volumes, kubelet and kube-proxy
// configuration, extra files, sysctls, kernel modules and kubeadm patches, at cluster level and
// (kubelet, files, sysctls, kernelModules) per node or pool. Shapes follow Cluster API's
// KubeadmConfigSpec and kubeadm v1beta4; what is checked beyond the shape (upstream config fields,
// flags kspray itself sets, key paths on workers) is in model/customizationRules.ts.
import { z } from 'zod';

/** The targets `kubeadm --patches` reads (kubeadm reference, "--patches", Kubernetes 1.32+). */
export const PATCH_TARGETS = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'etcd',
  'kubeletconfiguration',
  'corednsdeployment',
] as const;
/** kubeadm's patch types, as kubectl's (strategic is kubeadm's default). */
export const PATCH_TYPES = ['strategic', 'merge', 'json'] as const;
/** kubeadm HostPathMount pathType values (core/v1 HostPathType; "" = no check). */
export const HOST_PATH_TYPES = ['DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'] as const;

const str = () => z.string().min(1);
const absolutePath = () => z.string().regex(/^\/[^\0]*$/, 'an absolute path (starting with /)');

export const extraArgs = () =>
  z
    .record(str(), z.string().regex(/^[^\r\n]*$/, 'one line'))
    .describe(
      'Command-line flags without the leading dashes, name: "value" (values are strings: quote numbers and booleans). Flags kspray itself sets are refused with the field to use instead. Default: none.',
    );

export const extraVolumes = () =>
  z
    .array(
      z
        .object({
          name: str().describe('Volume name in the static pod (DNS-1123 label).'),
          hostPath: absolutePath().describe('Path on the control-plane node.'),
          mountPath: absolutePath().describe('Path inside the container.'),
          readOnly: z.boolean().optional().describe('Default: false.'),
          pathType: z.enum(HOST_PATH_TYPES).optional().describe('Kubernetes HostPathType. Default: none (no check).'),
        })
        .strict(),
    )
    .describe('hostPath volumes mounted into the static pod (kubeadm extraVolumes). Default: none.');

const componentSpec = () =>
  z.object({ extraArgs: extraArgs().optional(), extraVolumes: extraVolumes().optional() }).strict();

/** A Kubernetes-style configuration document given inline as a mapping. */
const document = () => z.record(z.string(), z.unknown());

export const apiServerSpec = z
  .object({
    extraArgs: extraArgs().optional(),
    extraVolumes: extraVolumes().optional(),
    certSANs: z
      .array(str())
      .optional()
      .describe('Extra names and IP addresses in the apiserver certificate, besides the endpoint, node names and addresses. Default: none.'),
    auditPolicy: document()
      .optional()
      .describe(
        'An audit.k8s.io/v1 Policy. kspray writes it to /etc/kubernetes/audit/policy.yaml, logs to /var/log/kubernetes/audit/audit.log and sets --audit-policy-file, --audit-log-path and the volumes. Default: no auditing.',
      ),
    admission: document()
      .optional()
      .describe(
        'An apiserver.config.k8s.io/v1 AdmissionConfiguration (e.g. PodSecurity defaults). kspray writes it to /etc/kubernetes/admission/config.yaml and sets --admission-control-config-file and the volume. Default: none.',
      ),
  })
  .strict();

export const kubeletSpec = z
  .object({
    config: document()
      .optional()
      .describe(
        'KubeletConfiguration (kubelet.config.k8s.io/v1beta1) fields, checked against the upstream type: maxPods, systemReserved, evictionHard, … Fields kspray sets from elsewhere in the spec (clusterDNS, clusterDomain, cgroupDriver, …) are refused. Default: none.',
      ),
    extraArgs: extraArgs().optional(),
  })
  .strict();

export const kubeProxySpec = z
  .object({
    config: document()
      .optional()
      .describe(
        'KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1) fields, checked against the upstream type, e.g. ipvs.scheduler. mode and clusterCIDR come from spec.kubernetes. Default: none.',
      ),
  })
  .strict();

export const fileSpec = z
  .object({
    path: absolutePath().describe('Absolute path on the node.'),
    content: z.string().describe('File content, as is.'),
    mode: z
      .string()
      .regex(/^0?[0-7]{3}$/, 'an octal mode in quotes, e.g. "0644"')
      .optional()
      .describe('Octal permission bits, quoted ("0644"). Default: "0644".'),
  })
  .strict();

export const filesSpec = () =>
  z
    .array(fileSpec)
    .describe(
      'Extra files written before the node program runs. A node or pool entry with the same path replaces the cluster one. A path under a directory holding keys on control planes (/etc/kubernetes/pki, /etc/etcd/pki) is refused on workers. Default: none.',
    );

export const sysctlsSpec = () =>
  z
    .record(str(), z.union([z.string(), z.number().int()]))
    .describe('Kernel parameters (/etc/sysctl.d/90-kspray-user.conf), name: value. Default: none.');

export const kernelModulesSpec = () =>
  z
    .array(z.string().regex(/^[A-Za-z0-9_-]+$/, 'a kernel module name'))
    .describe('Extra kernel modules loaded at boot (/etc/modules-load.d/kspray-user.conf). Default: none.');

export const patchSpec = z
  .object({
    target: z.enum(PATCH_TARGETS).describe('The kubeadm patch target.'),
    type: z.enum(PATCH_TYPES).optional().describe('Patch type. Default: strategic (kubeadm\'s default).'),
    patch: z
      .union([document(), z.array(z.unknown())])
      .describe('The patch: a mapping (strategic, merge) or a list of operations (json).'),
  })
  .strict();

export const clusterCustomization = {
  kubelet: kubeletSpec.optional(),
  kubeProxy: kubeProxySpec.optional(),
  files: filesSpec().optional(),
  sysctls: sysctlsSpec().optional(),
  kernelModules: kernelModulesSpec().optional(),
  patches: z
    .array(patchSpec)
    .max(999)
    .optional()
    .describe(
      'kubeadm patches, written to /etc/kubernetes/patches and passed to every kubeadm init, join and upgrade (kubeadm --patches). Default: none.',
    ),
};

/** What a node or pool may set over the cluster values (maps merge; scalars and lists replace). */
export const nodeCustomization = {
  kubelet: kubeletSpec.optional().describe('Merged over spec.kubelet for this node (maps merge; scalars and lists replace).'),
  files: filesSpec().optional(),
  sysctls: sysctlsSpec().optional(),
  kernelModules: kernelModulesSpec().optional(),
};

export const controlPlaneCustomization = {
  apiServer: apiServerSpec.optional(),
  controllerManager: componentSpec().optional(),
  scheduler: componentSpec().optional(),
};

export const etcdCustomization = {
  extraArgs: extraArgs()
    .optional()
    .describe(
      'etcd flags without dashes. Stacked: kubeadm local etcd extraArgs; external: ETCD_* variables of every member. Flags kspray sets (names, URLs, certificates, data dir) are refused. Default: none.',
    ),
};
