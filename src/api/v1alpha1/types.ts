// The cluster spec as the user writes it (kspray.dev/v1alpha1). Everything is optional here except
// what has no sensible default; model/defaults.ts turns this into the normalized ClusterModel.
// This zod schema is the single source: the TypeScript type, the runtime check (unknown keys are
// errors, so typos never pass silently) and the editor JSON Schema (schema/cluster.schema.json) all
// come from it. Descriptions state the default, because editors show them.
import { z } from 'zod';
import { PROVIDERS } from './providers.js';
import { clusterCustomization, controlPlaneCustomization, etcdCustomization, nodeCustomization } from './customization.js';

export const API_VERSION = 'kspray.dev/v1alpha1';

export const SUPPORTED_OS = [
  'ubuntu-22.04',
  'ubuntu-24.04',
  'ubuntu-26.04',
  'debian-12',
  'debian-13',
  'flatcar',
  'fedora-coreos',
  'rocky-9',
  'almalinux-9',
  'rhel-9',
  'rocky-10',
  'almalinux-10',
  'rhel-10',
  'fedora-43',
  'openeuler-24.03',
  'opensuse-leap-15.6',
  'amazonlinux-2023',
] as const;
/** These boot from an Ignition v3 config instead of cloud-init. */
export const IGNITION_OS = ['flatcar', 'fedora-coreos'] as const;
/**
 * These boot with the cgroup v1 hierarchy, which the kubelet refuses from Kubernetes 1.35 unless
 * failCgroupV1 is false: openEuler 24.03 LTS (Kubespray's CI sets kubelet_fail_cgroup_v1: false for it,
 * tests/files/openeuler24-calico.yml).
 */
export const CGROUP_V1_OS = ['openeuler-24.03'] as const;
export const bootsCgroupV1 = (os: string): boolean => (CGROUP_V1_OS as readonly string[]).includes(os);
export const IGNITION_VERSIONS = ['3.3.0', '3.4.0'] as const;
export const ROLES = ['control-plane', 'etcd', 'worker'] as const;
export const PKI_ALGORITHMS = ['ECDSA-P256', 'ECDSA-P384', 'RSA-2048', 'RSA-3072', 'RSA-4096'] as const;
export const NETWORK_PLUGINS = ['calico', 'cilium', 'flannel', 'kube-router', 'none'] as const;
export const PROXY_MODES = ['ipvs', 'iptables', 'nftables'] as const;
export const LOAD_BALANCERS = ['localhost', 'kube-vip', 'external'] as const;
export const LOCALHOST_PROXIES = ['nginx', 'haproxy'] as const;
export { PROVIDERS };
export const ARCHES = ['amd64', 'arm64'] as const;
export const SECRETS_DELIVERIES = ['inline', 'fetch', 'aws-secrets-manager'] as const;

const str = () => z.string().min(1);

const labels = z.record(z.string(), z.string()).describe('Node labels applied at registration.');
const taint = z
  .object({
    key: str(),
    value: z.string().optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
  })
  .strict();

/** sha256 of a release manifest Kubespray's data has no checksum for (addons.certManager / addons.metallb). */
const manifestSha256 = () =>
  str().describe(
    "sha256 (64 hex digits) of the upstream release manifest at the pinned version; Kubespray has no checksum for it, so you supply one: `curl -fsSL <url> | sha256sum` (the URL is in the error message when it is missing). Required.",
  );
const certManagerSpec = z.object({ manifestSha256: manifestSha256().optional() }).strict();
const metallbSpec = z
  .object({
    addressPools: z
      .array(
        z
          .object({
            name: str().describe('IPAddressPool name (DNS-1123 label).'),
            addresses: z.array(str()).describe('IPv4 CIDRs (10.0.0.0/28) or ranges (10.0.0.100-10.0.0.120).'),
          })
          .strict(),
      )
      .optional()
      .describe('IPAddressPools LoadBalancer Services get addresses from (Kubespray metallb_config.address_pools). Required, at least one.'),
    l2: z.boolean().optional().describe('Announce every pool with an L2Advertisement (ARP). Default: true. BGP peers are not generated.'),
    manifestSha256: manifestSha256().optional(),
  })
  .strict();

const nodeCommon = {
  roles: z.array(z.enum(ROLES)).min(1).describe('Any of control-plane, etcd, worker.'),
  os: z
    .enum(SUPPORTED_OS)
    .optional()
    .describe('Operating system of the node image. Default: ubuntu-24.04. flatcar and fedora-coreos get an Ignition config, the others cloud-init (packages through apt, dnf or zypper).'),
  arch: z.enum(ARCHES).optional().describe('CPU architecture. Default: amd64.'),
  labels: labels.optional(),
  taints: z.array(taint).optional(),
  ...nodeCustomization,
};

const registryMirror = z
  .object({
    host: z
      .string()
      .regex(/^(_default|[a-zA-Z0-9.-]+(:\d{1,5})?)$/, 'a registry host[:port] as image names use it (docker.io, registry.k8s.io, myregistry:5000), or _default')
      .describe('Registry the mirrors stand in for, as image names spell it (docker.io, registry.k8s.io, quay.io, myregistry:5000); _default: every registry (containerd only).'),
    endpoints: z
      .array(z.string().regex(/^https?:\/\/[^\s"'\\]+$/, 'an http:// or https:// URL'))
      .min(1)
      .describe('Mirror URLs tried in order before the registry itself, e.g. https://mirror.internal or http://10.0.0.5:5000.'),
    skipVerify: z.boolean().optional().describe("Don't verify the endpoints' TLS certificates. Default: false."),
  })
  .strict();

const proxyUrl = () => z.string().regex(/^https?:\/\/[^\s"'\\]+$/, 'an http:// or https:// URL');

export const nodeSpec = z
  .object({
    name: str().describe('Node name (DNS-1123 label); also the kubelet node name and hostname.'),
    address: str().describe(
      'Fixed address the node uses inside the cluster: IPv4 (10.0.0.11), IPv6 (fd00:10::11), or for a dual-stack cluster both, comma-separated in the order of the cluster subnets ("10.0.0.11,fd00:10::11", kubelet --node-ip form).',
    ),
    ...nodeCommon,
  })
  .strict();

export const poolSpec = z
  .object({
    name: str().describe('Pool name (DNS-1123 label); every node of the pool boots the same payload.'),
    count: z.number().int().min(0).optional().describe('Number of nodes, for sizing and the render summary. Default: 1.'),
    ...nodeCommon,
  })
  .strict();

// Addon settings (src/plan/manifests/*). An addon with settings is on when its mapping is present,
// unless it says enabled: false; absent, it is off.
const enabled = () => z.boolean().optional().describe('Default: true once this mapping is present.');
const corednsSpec = z
  .object({
    upstreamServers: z
      .array(str())
      .min(1)
      .optional()
      .describe("IP addresses (optionally :port; IPv6 with a port in brackets) CoreDNS and nodelocaldns forward names outside the cluster to (Kubespray upstream_dns_servers). Default: each node's /etc/resolv.conf, as kubeadm."),
    zones: z
      .array(
        z
          .object({
            name: str().describe('DNS zone, e.g. corp.example.com.'),
            servers: z.array(str()).min(1).describe('IP addresses (optionally :port; IPv6 with a port in brackets) that answer for the zone.'),
            cache: z.number().int().min(0).max(3600).optional().describe('Seconds answers are cached; 0 disables the cache. Default: 30.'),
          })
          .strict(),
      )
      .optional()
      .describe('Stub domains: zones forwarded to their own servers (Kubespray coredns_external_zones). Default: none.'),
  })
  .strict()
  .describe("CoreDNS settings, applied over kubeadm's Corefile (which stays unchanged otherwise). Default: kubeadm's Corefile as is.");
const dnsAutoscalerSpec = z
  .object({
    enabled: enabled(),
    coresPerReplica: z.number().int().min(1).optional().describe('Default: 256 (Kubespray dnsautoscaler_cores_per_replica).'),
    nodesPerReplica: z.number().int().min(1).optional().describe('Default: 16 (Kubespray dnsautoscaler_nodes_per_replica).'),
    min: z.number().int().min(1).optional().describe('Fewest CoreDNS replicas. Default: 2 (Kubespray dnsautoscaler_min_replicas).'),
    max: z.number().int().min(1).optional().describe('Most CoreDNS replicas. Default: no limit.'),
    preventSinglePointFailure: z.boolean().optional().describe('At least 2 replicas once the cluster has more than one node. Default: true.'),
  })
  .strict()
  .describe('cluster-proportional-autoscaler scaling the coredns Deployment with the cluster size (Kubespray dns-autoscaler). Default: off.');
const localPathProvisionerSpec = z
  .object({
    enabled: enabled(),
    namespace: str().optional().describe('Default: local-path-storage.'),
    storageClass: str().optional().describe('StorageClass name. Default: local-path.'),
    reclaimPolicy: z.enum(['Delete', 'Retain']).optional().describe('Default: Delete.'),
    claimRoot: str().optional().describe('Directory on each node holding the volumes. Default: /opt/local-path-provisioner/.'),
    defaultClass: z.boolean().optional().describe('Make it the default StorageClass. Default: true (Kubespray local_path_provisioner_is_default_storageclass).'),
  })
  .strict()
  .describe("rancher's local-path-provisioner: PersistentVolumes in a directory of the node the pod runs on. Default: off.");
const registrySpec = z
  .object({
    enabled: enabled(),
    namespace: str().optional().describe('Default: kube-system.'),
    port: z.number().int().min(1).max(65535).optional().describe('Service and container port. Default: 5000.'),
    storageClass: str().optional().describe('Keep the images on a PersistentVolumeClaim of this StorageClass. Default: none (emptyDir: images are lost with the pod).'),
    size: str().optional().describe('Size of that claim (needs storageClass). Default: 10Gi.'),
  })
  .strict()
  .describe('An in-cluster registry:2 (Kubespray registry role). Default: off.');

export const clusterSpec = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Cluster'),
    metadata: z
      .object({ name: str().describe('Cluster name (DNS-1123 label); outputs go to outputs/<name>/.') })
      .strict(),
    spec: z
      .object({
        kubernetes: z
          .object({
            version: str().optional().describe("Kubernetes version from the catalog. Default: Kubespray's default."),
            serviceSubnet: str()
              .optional()
              .describe(
                'One CIDR (IPv4 or IPv6), or an IPv4,IPv6 pair for dual-stack (kubeadm form; the first is the primary family), e.g. "10.233.0.0/18,fd85:ee78:d8a6:8607::1000/116". Default: 10.233.0.0/18 (Kubespray kube_service_addresses; kube_service_addresses_ipv6 is fd85:ee78:d8a6:8607::1000/116).',
              ),
            podSubnet: str()
              .optional()
              .describe(
                'One CIDR or a dual-stack pair, of the same families in the same order as serviceSubnet. Default: 10.233.64.0/18 (Kubespray kube_pods_subnet; kube_pods_subnet_ipv6 is fd85:ee78:d8a6:8607::1:0/112).',
              ),
            nodeCidrMaskSize: z.number().int().min(16).max(28).optional().describe('Size of the IPv4 pod range each node gets (Kubespray kube_network_node_prefix). Default: 24.'),
            nodeCidrMaskSizeIPv6: z
              .number()
              .int()
              .min(48)
              .max(124)
              .optional()
              .describe('Size of the IPv6 pod range each node gets (kube-controller-manager node-cidr-mask-size-ipv6; Kubespray kube_network_node_prefix_ipv6). Default: 120.'),
            clusterDomain: str().optional().describe('Default: cluster.local.'),
            proxyMode: z.enum(PROXY_MODES).optional().describe('kube-proxy mode. Default: ipvs.'),
            featureGates: z
              .record(z.string(), z.boolean())
              .optional()
              .describe('Feature gates for kube-apiserver, controller-manager, scheduler (--feature-gates), kubelet and kube-proxy (their configs\' featureGates). Default: none.'),
          })
          .strict()
          .optional(),
        controlPlane: z
          .object({
            endpoint: str()
              .optional()
              .describe('host[:port] clients use for the API (an IPv6 address in brackets: [fd00:10::100]:6443); added to the apiserver SANs and to admin.conf.'),
            loadBalancer: z.enum(LOAD_BALANCERS).optional().describe('Default: localhost (nginx on every non-control-plane node).'),
            localhostProxy: z
              .enum(LOCALHOST_PROXIES)
              .optional()
              .describe('With loadBalancer: localhost, the proxy on 127.0.0.1:<port> of each non-control-plane node (Kubespray loadbalancer_apiserver_type). Default: nginx.'),
            port: z.number().int().min(1).max(65535).optional().describe('apiserver bind port. Default: 6443.'),
            ...controlPlaneCustomization,
          })
          .strict()
          .optional(),
        etcd: z
          .object({ topology: z.enum(['stacked', 'external']).optional().describe('Default: stacked.'), ...etcdCustomization })
          .strict()
          .optional(),
        pki: z
          .object({
            algorithm: z.enum(PKI_ALGORITHMS).optional().describe('Key algorithm for every key. Default: ECDSA-P256.'),
            certValidityDays: z.number().int().min(1).max(3650).optional().describe('Leaf certificates. Default: 365.'),
            caValidityDays: z.number().int().min(1).max(36500).optional().describe('CAs, fixed at bundle creation. Default: 3650.'),
            autoRenew: z
              .object({
                onCalendar: z
                  .string()
                  .regex(/^[A-Za-z0-9 ,*:./~-]+$/, 'a systemd OnCalendar expression')
                  .optional()
                  .describe('When the timer fires (systemd OnCalendar). Default: "Mon *-*-1,2,3,4,5,6,7 03:00:00", the first Monday of every month (Kubespray auto_renew_certificates_systemd_calendar).'),
              })
              .strict()
              .optional()
              .describe("A systemd timer on every control plane runs `kubeadm certs renew` for the control plane's certificates and kubeconfigs and restarts its static pods (Kubespray auto_renew_certificates). Default: off (renew with `kspray certs renew`)."),
          })
          .strict()
          .optional(),
        bootstrapToken: z
          .object({
            ttl: z
              .string()
              .regex(/^(\d+h)?(\d+m)?(\d+s)?$/)
              .optional()
              .describe('Lifetime of the join token, kubeadm duration ("24h", "90m"; "0s" never expires). Default: 24h.'),
          })
          .strict()
          .optional(),
        containerRuntime: z
          .object({
            name: z.enum(['containerd', 'cri-o']).optional().describe('Default: containerd. cri-o is not available on flatcar or fedora-coreos nodes.'),
            version: str()
              .optional()
              .describe(
                "Pin the runtime version (a catalog version with a checksum for every node's arch). containerd: default the newest (2.x, config version 3); a 1.7.x version gets config version 2. cri-o: must be of the kubernetes minor; default the newest of that minor (Kubespray crio_version). Not for flatcar nodes (the OS ships containerd).",
              ),
            registryMirrors: z
              .array(registryMirror)
              .optional()
              .describe(
                'Registry mirrors (Kubespray containerd_registries_mirrors / crio_registries): containerd gets /etc/containerd/certs.d/<host>/hosts.toml, cri-o /etc/containers/registries.conf.d/. Default: none.',
              ),
          })
          .strict()
          .optional(),
        proxy: z
          .object({
            http: proxyUrl().optional().describe('HTTP_PROXY for the container runtime, kubelet and the node program downloads (Kubespray http_proxy). Default: none.'),
            https: proxyUrl().optional().describe('HTTPS_PROXY, likewise (Kubespray https_proxy). Default: none.'),
            noProxy: z
              .array(z.string().regex(/^[^\s,"'\\]+$/, 'one host, domain, address or CIDR without spaces, commas or quotes'))
              .optional()
              .describe(
                'Extra NO_PROXY entries. Always added (Kubespray no_proxy): localhost, 127.0.0.1, every node name and address, the service and pod subnets, svc, svc.<clusterDomain>, .<clusterDomain>, the API endpoint host and the nodelocaldns address. Pool members have no fixed address: add their subnet (e.g. 10.0.0.0/16) here. Default: none extra.',
              ),
          })
          .strict()
          .optional()
          .describe('HTTP(S) proxy for nodes without direct internet access. Default: none (off).'),
        network: z
          .object({
            plugin: z.enum(NETWORK_PLUGINS).optional().describe('Default: calico.'),
            mtu: z.number().int().min(1000).max(9000).optional().describe('Pod network MTU. Default: detected by the plugin from the node interface (1450 with VXLAN on a 1500 network).'),
            calico: z
              .object({
                encapsulation: z.enum(['vxlan', 'ipip', 'none']).optional().describe('Pod traffic between nodes: VXLAN, IP-in-IP or unencapsulated (routed). Default: vxlan (Kubespray calico_vxlan_mode: Always).'),
                bgp: z
                  .boolean()
                  .optional()
                  .describe('BIRD peers every node over BGP (full mesh) and distributes the pod routes (Kubespray calico_network_backend: bird). ipip and none need it. Default: false with vxlan (Kubespray calico_network_backend: vxlan), true with ipip and none.'),
                crossSubnet: z
                  .boolean()
                  .optional()
                  .describe('Encapsulate only between nodes in different subnets; same-subnet traffic is routed (Kubespray calico_vxlan_mode / calico_ipip_mode: CrossSubnet). With vxlan or ipip. Default: false.'),
                blockSize: z
                  .number()
                  .int()
                  .min(20)
                  .max(32)
                  .optional()
                  .describe('Prefix length of the address blocks Calico IPAM hands to nodes (Kubespray calico_pool_blocksize). Default: 26, as Kubespray and Calico.'),
              })
              .strict()
              .optional(),
            cilium: z
              .object({
                tunnel: z.enum(['vxlan', 'geneve']).optional().describe('Encapsulation between nodes. Default: vxlan.'),
                kubeProxyReplacement: z
                  .boolean()
                  .optional()
                  .describe('Cilium serves Services in eBPF and kubeadm installs no kube-proxy. Default: false.'),
              })
              .strict()
              .optional()
              .describe('Only with plugin: cilium.'),
            multus: z
              .boolean()
              .optional()
              .describe('Multus (thin plugin, as Kubespray) on top of the plugin, for extra pod interfaces (NetworkAttachmentDefinition). Default: false.'),
          })
          .strict()
          .optional(),
        addons: z
          .object({
            nodeLocalDNS: z.boolean().optional().describe('nodelocaldns on 169.254.25.10. Default: true.'),
            metricsServer: z.boolean().optional().describe('Default: false.'),
            argocd: z
              .boolean()
              .optional()
              .describe("Argo CD (Kubespray argocd_enabled): the first control plane downloads Kubespray's pinned install.yaml, sha256-verified against Kubespray's argocd_install_checksums, and applies it into namespace argocd. Default: false."),
            certManager: certManagerSpec.optional().describe("cert-manager at Kubespray's cert_manager_version (upstream release manifest, CRDs included). Default: not installed."),
            metallb: metallbSpec.optional().describe("MetalLB at Kubespray's metallb_version (upstream metallb-native.yaml) with your address pools. kube-proxy's ipvs strictARP is turned on with it, as Kubespray requires. Default: not installed."),
            coredns: corednsSpec.optional(),
            dnsAutoscaler: dnsAutoscalerSpec.optional(),
            helm: z.boolean().optional().describe("helm binary in the bin dir of every control-plane node (Kubespray helm_enabled; newest helm of the catalog, sha256-verified). Default: false."),
            localPathProvisioner: localPathProvisionerSpec.optional(),
            registry: registrySpec.optional(),
          })
          .strict()
          .optional(),
        artifacts: z
          .object({
            mirror: str().optional().describe('Files mirror laid out like Kubespray files_repo.'),
            registry: str().optional().describe('Image registry mirror (Kubespray registry_host).'),
          })
          .strict()
          .optional(),
        provider: z
          .object({ name: z.enum(PROVIDERS).optional().describe('Default: baremetal.') })
          .strict()
          .optional(),
        ignition: z
          .object({
            version: z
              .enum(IGNITION_VERSIONS)
              .optional()
              .describe('Ignition spec version of flatcar/fedora-coreos configs. Default: 3.3.0 (Flatcar and FCOS stable, ignition-validate 2.14).'),
            configUrlBase: str()
              .optional()
              .describe(
                'Where full configs will be served (https://, http://, s3://, gs://): each Ignition node then also gets a small pointer config that fetches <configUrlBase>/<node>/config.ign and checks its sha512. Needed on AWS when a config exceeds the 16 KiB user-data limit. Serve only the config.ign files, never the secrets directory.',
              ),
          })
          .strict()
          .optional(),
        cloudInit: z
          .object({
            payloadUrlBase: str()
              .optional()
              .describe(
                'Where full cloud-init payloads will be served (https:// only: they may hold keys): each cloud-init node then boots from a small pointer #cloud-config that downloads <payloadUrlBase>/<node>/payload.tar (every file of its payload), checks the sha256 the pointer pins, unpacks it and starts the bootstrap. For payloads over a cloud\'s user-data limit; serve outputs/<cluster>/nodes/<node>/payload.tar there, readable only by that node.',
              ),
          })
          .strict()
          .optional(),
        secrets: z
          .object({
            delivery: z
              .enum(SECRETS_DELIVERIES)
              .optional()
              .describe(
                'Where nodes get their private keys and bootstrap token. inline (default): in the payload (user data), readable from the cloud metadata service for the machine\'s life; the weaker choice, for air-gapped PXE labs. fetch: the payload holds no private key and no token; each cloud-init node downloads <urlBase>/<node>/secrets.tar (pinned by sha256 in the payload), unpacks it with modes and deletes it; each Ignition node fetches its secret files from <urlBase>/<node>/files/<path> (sha512-verified). Serve outputs/<cluster>/fetch/ there, readable only by the node it is for. aws-secrets-manager (provider aws): the payload holds no private key and no token, only the name of the node\'s secret (kspray/<cluster>/<role>/<node>) and its sha256; `kspray aws apply` stores outputs/<cluster>/fetch/<node>/secrets.tar as that secret and gives each role (control-plane, etcd, worker) an IAM role and instance profile that reads only its own role\'s secrets; the node fetches it at boot with its instance credentials (IMDSv2, SigV4), unpacks it with modes and, for fixed nodes, deletes the secret after a successful bootstrap.',
              ),
            urlBase: str()
              .optional()
              .describe('With delivery: fetch, the https:// URL outputs/<cluster>/fetch/ is served under (http:// is refused: the archives hold private keys).'),
            caCert: str()
              .optional()
              .describe('With delivery: fetch, the PEM CA certificate(s) the node trusts for urlBase instead of the OS bundle (a private CA or a self-signed server).'),
          })
          .strict()
          .optional(),
        ssh: z
          .object({
            authorizedKeys: z.array(str()).optional().describe('Keys for the default user; kspray itself never uses SSH.'),
          })
          .strict()
          .optional(),
        ...clusterCustomization,
        nodes: z.array(nodeSpec).optional(),
        pools: z.array(poolSpec).optional(),
      })
      .strict(),
  })
  .strict();

export type ClusterSpec = z.infer<typeof clusterSpec>;
export type NodeSpec = z.infer<typeof nodeSpec>;
export type PoolSpec = z.infer<typeof poolSpec>;
export type Role = (typeof ROLES)[number];
export type OsName = (typeof SUPPORTED_OS)[number];
export type PkiAlgorithm = (typeof PKI_ALGORITHMS)[number];
export type SecretsDelivery = (typeof SECRETS_DELIVERIES)[number];

/** The editor JSON Schema; test/schema.test.ts keeps schema/cluster.schema.json equal to it. */
export function specJsonSchema(): unknown {
  const schema = z.toJSONSchema(clusterSpec) as Record<string, unknown>;
  return { ...schema, $id: 'https://kspray.dev/schemas/v1alpha1/cluster.json', title: 'kspray Cluster (v1alpha1)' };
}
