// The cilium agent DaemonSet with the init containers upstream's chart renders (config,
// mount-cgroup, apply-sysctl-overwrites, mount-bpf-fs, clean-cilium-state, install-cni-binaries),
// minus the Envoy, Hubble and clustermesh mounts kspray does not enable.
import type { ClusterModel } from '../../model/model.js';
import { networkImages } from '../../catalog/network.js';
import { ciliumProbeHost } from './ciliumConfig.js';
import { apiServerEnv } from './cniApiServer.js';
import { KUBE_SYSTEM, envFromField, hostPathVolume, metadata, type K8sObject } from './k8s.js';

const LABELS = { 'k8s-app': 'cilium' };
const SPC = { level: 's0', type: 'spc_t' };
const caps = (add: string[]) => ({ seLinuxOptions: SPC, capabilities: { add, drop: ['ALL'] } });
const LOGS = { terminationMessagePolicy: 'FallbackToLogsOnError' };
const optionalConfigKey = (name: string, key: string) => ({ name, valueFrom: { configMapKeyRef: { name: 'cilium-config', key, optional: true } } });
const HOST_TOOLS_MOUNTS = [
  { name: 'hostproc', mountPath: '/hostproc' },
  { name: 'cni-path', mountPath: '/hostbin' },
];

function initContainers(model: ClusterModel, image: string) {
  const base = { image, imagePullPolicy: 'IfNotPresent', ...LOGS };
  const api = apiServerEnv(model);
  return [
    {
      // Renders cilium-config into /tmp/cilium/config-map for the agent.
      name: 'config',
      ...base,
      command: ['cilium-dbg', 'build-config'],
      env: [envFromField('K8S_NODE_NAME', 'spec.nodeName'), envFromField('CILIUM_K8S_NAMESPACE', 'metadata.namespace'), ...api],
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    },
    {
      // Mounts cgroup2 on the host for socket-LB; statically linked helpers run in the host's namespaces.
      name: 'mount-cgroup',
      ...base,
      env: [
        { name: 'CGROUP_ROOT', value: '/run/cilium/cgroupv2' },
        { name: 'BIN_PATH', value: '/opt/cni/bin' },
      ],
      command: ['sh', '-ec', 'cp /usr/bin/cilium-mount /hostbin/cilium-mount;\nnsenter --cgroup=/hostproc/1/ns/cgroup --mount=/hostproc/1/ns/mnt "${BIN_PATH}/cilium-mount" $CGROUP_ROOT;\nrm /hostbin/cilium-mount\n'],
      volumeMounts: HOST_TOOLS_MOUNTS,
      securityContext: caps(['SYS_ADMIN', 'SYS_CHROOT', 'SYS_PTRACE']),
    },
    {
      // Keeps systemd-networkd from overriding rp_filter on Cilium's interfaces.
      name: 'apply-sysctl-overwrites',
      ...base,
      env: [{ name: 'BIN_PATH', value: '/opt/cni/bin' }],
      command: ['sh', '-ec', 'cp /usr/bin/cilium-sysctlfix /hostbin/cilium-sysctlfix;\nnsenter --mount=/hostproc/1/ns/mnt "${BIN_PATH}/cilium-sysctlfix";\nrm /hostbin/cilium-sysctlfix\n'],
      volumeMounts: HOST_TOOLS_MOUNTS,
      securityContext: caps(['SYS_ADMIN', 'SYS_CHROOT', 'SYS_PTRACE']),
    },
    {
      // Bidirectional propagation needs a privileged container; the agent then sees the mount.
      name: 'mount-bpf-fs',
      ...base,
      args: ['mount | grep "/sys/fs/bpf type bpf" || mount -t bpf bpf /sys/fs/bpf'],
      command: ['/bin/bash', '-c', '--'],
      securityContext: { privileged: true },
      volumeMounts: [{ name: 'bpf-maps', mountPath: '/sys/fs/bpf', mountPropagation: 'Bidirectional' }],
    },
    {
      name: 'clean-cilium-state',
      ...base,
      command: ['/init-container.sh'],
      env: [
        optionalConfigKey('CILIUM_ALL_STATE', 'clean-cilium-state'),
        optionalConfigKey('CILIUM_BPF_STATE', 'clean-cilium-bpf-state'),
        optionalConfigKey('WRITE_CNI_CONF_WHEN_READY', 'write-cni-conf-when-ready'),
        ...api,
      ],
      securityContext: caps(['NET_ADMIN', 'SYS_MODULE', 'SYS_ADMIN', 'SYS_RESOURCE']),
      volumeMounts: [
        { name: 'bpf-maps', mountPath: '/sys/fs/bpf' },
        { name: 'cilium-cgroup', mountPath: '/run/cilium/cgroupv2', mountPropagation: 'HostToContainer' },
        { name: 'cilium-run', mountPath: '/var/run/cilium' },
      ],
    },
    {
      // The CNI binary goes in from an init container so the agent has no writable host bin mount.
      name: 'install-cni-binaries',
      ...base,
      command: ['/install-plugin.sh'],
      resources: { requests: { cpu: '100m', memory: '10Mi' } },
      securityContext: { seLinuxOptions: SPC, capabilities: { drop: ['ALL'] } },
      volumeMounts: [{ name: 'cni-path', mountPath: '/host/opt/cni/bin' }],
    },
  ];
}

function agentContainer(model: ClusterModel, image: string) {
  const probe = (extra: Record<string, number>, headers = [{ name: 'brief', value: 'true' }]) => ({
    httpGet: { host: ciliumProbeHost(model), path: '/healthz', port: 9879, scheme: 'HTTP', httpHeaders: headers },
    ...extra,
  });
  return {
    name: 'cilium-agent',
    image,
    imagePullPolicy: 'IfNotPresent',
    command: ['cilium-agent'],
    args: ['--config-dir=/tmp/cilium/config-map'],
    startupProbe: probe({ failureThreshold: 105, periodSeconds: 2, successThreshold: 1, initialDelaySeconds: 5 }),
    livenessProbe: probe({ periodSeconds: 30, successThreshold: 1, failureThreshold: 10, timeoutSeconds: 5 }, [
      { name: 'brief', value: 'true' },
      { name: 'require-k8s-connectivity', value: 'false' },
    ]),
    readinessProbe: probe({ periodSeconds: 30, successThreshold: 1, failureThreshold: 3, timeoutSeconds: 5 }),
    env: [
      envFromField('K8S_NODE_NAME', 'spec.nodeName'),
      envFromField('CILIUM_K8S_NAMESPACE', 'metadata.namespace'),
      { name: 'CILIUM_CLUSTERMESH_CONFIG', value: '/var/lib/cilium/clustermesh/' },
      ...apiServerEnv(model),
    ],
    lifecycle: { preStop: { exec: { command: ['/cni-uninstall.sh'] } } },
    securityContext: caps(['CHOWN', 'KILL', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'SYS_MODULE', 'SYS_ADMIN', 'SYS_RESOURCE', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID']),
    ...LOGS,
    volumeMounts: [
      // Unprivileged containers write these sysctls through host mounts.
      { name: 'host-proc-sys-net', mountPath: '/host/proc/sys/net' },
      { name: 'host-proc-sys-kernel', mountPath: '/host/proc/sys/kernel' },
      { name: 'bpf-maps', mountPath: '/sys/fs/bpf', mountPropagation: 'HostToContainer' },
      { name: 'cilium-run', mountPath: '/var/run/cilium' },
      { name: 'cilium-netns', mountPath: '/var/run/cilium/netns', mountPropagation: 'HostToContainer' },
      { name: 'etc-cni-netd', mountPath: '/host/etc/cni/net.d' },
      { name: 'lib-modules', mountPath: '/lib/modules', readOnly: true },
      { name: 'xtables-lock', mountPath: '/run/xtables.lock' },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}

export function ciliumAgentDaemonSet(model: ClusterModel): K8sObject {
  const image = networkImages(model.artifacts.registry).cilium;
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: metadata('cilium', { namespace: KUBE_SYSTEM, labels: { ...LABELS, 'app.kubernetes.io/part-of': 'cilium' } }),
    spec: {
      selector: { matchLabels: LABELS },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } },
      template: {
        metadata: { labels: LABELS },
        spec: {
          securityContext: { appArmorProfile: { type: 'Unconfined' } },
          initContainers: initContainers(model, image),
          containers: [agentContainer(model, image)],
          priorityClassName: 'system-node-critical',
          serviceAccountName: 'cilium',
          automountServiceAccountToken: true,
          terminationGracePeriodSeconds: 1,
          hostNetwork: true,
          affinity: {
            podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: LABELS }, topologyKey: 'kubernetes.io/hostname' }] },
          },
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [{ operator: 'Exists' }],
          volumes: [
            { name: 'tmp', emptyDir: {} },
            hostPathVolume('cilium-run', '/var/run/cilium', 'DirectoryOrCreate'),
            hostPathVolume('cilium-netns', '/var/run/netns', 'DirectoryOrCreate'),
            hostPathVolume('bpf-maps', '/sys/fs/bpf', 'DirectoryOrCreate'),
            hostPathVolume('hostproc', '/proc', 'Directory'),
            hostPathVolume('cilium-cgroup', '/run/cilium/cgroupv2', 'DirectoryOrCreate'),
            hostPathVolume('cni-path', '/opt/cni/bin', 'DirectoryOrCreate'),
            hostPathVolume('etc-cni-netd', '/etc/cni/net.d', 'DirectoryOrCreate'),
            hostPathVolume('lib-modules', '/lib/modules'),
            hostPathVolume('xtables-lock', '/run/xtables.lock', 'FileOrCreate'),
            hostPathVolume('host-proc-sys-net', '/proc/sys/net', 'Directory'),
            hostPathVolume('host-proc-sys-kernel', '/proc/sys/kernel', 'Directory'),
          ],
        },
      },
    },
  };
}
