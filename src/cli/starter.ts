// The commented cluster.yaml `kspray init` writes. Text, not an object, because the comments are
// the point; test/cli.test.ts proves it loads and validates.
import { defaultKubernetesVersion } from '../catalog/catalog.js';

export function starterSpec(name: string): string {
  return `# kspray cluster spec. Validate: kspray validate -f cluster.yaml
# Render every node's payload: kspray render -f cluster.yaml  (outputs/${name}/)
# Editor completion: point your YAML language server at kspray's schema/cluster.schema.json.
apiVersion: kspray.dev/v1alpha1
kind: Cluster
metadata:
  name: ${name}                  # DNS-1123 label; outputs go to outputs/<name>/
spec:
  kubernetes:
    version: "${defaultKubernetesVersion()}"          # \`kspray versions\` lists the ones with checksums
    serviceSubnet: 10.233.0.0/18  # Kubespray's kube_service_addresses
    podSubnet: 10.233.64.0/18     # Kubespray's kube_pods_subnet
    proxyMode: ipvs               # ipvs | iptables | nftables
  controlPlane:
    loadBalancer: localhost       # nginx on every non-control-plane node, as Kubespray
    # endpoint: api.${name}.example.com:6443   # extra name for the API (SANs, admin.conf)
  etcd:
    topology: stacked             # etcd runs on the control-plane nodes (kubeadm)
  pki:
    algorithm: ECDSA-P256         # ECDSA-P256 | ECDSA-P384 | RSA-2048 | RSA-3072 | RSA-4096
  network:
    plugin: calico                # calico | cilium | flannel | kube-router | none
    # multus: true                # Multus on top, for extra pod interfaces
  addons:
    nodeLocalDNS: true            # 169.254.25.10 on every node
    metricsServer: false
    # helm: true                  # the helm binary on the control planes
    # dnsAutoscaler: {}           # scale CoreDNS with the cluster (Kubespray's dns-autoscaler)
    # localPathProvisioner: {}    # PersistentVolumes on node disks; default StorageClass local-path
    # coredns: { upstreamServers: [10.0.0.2], zones: [{ name: corp.example.com, servers: [10.0.0.53] }] }
  # ssh:
  #   authorizedKeys: ["ssh-ed25519 AAAA... you@example.com"]   # kspray itself never uses SSH
  # --- customization (docs/spec.md lists every field; nodes and pools may set kubelet, files, sysctls, kernelModules too) ---
  # kubelet:
  #   config: { maxPods: 110, systemReserved: { cpu: 500m, memory: 1Gi } }   # KubeletConfiguration v1beta1 fields, checked
  #   extraArgs: { v: "2" }
  # kubeProxy:
  #   config: { ipvs: { scheduler: rr } }                    # KubeProxyConfiguration v1alpha1 fields, checked
  # files:
  #   - { path: /etc/motd, content: "Managed by kspray\\n", mode: "0644" }
  # sysctls: { net.core.somaxconn: "65535" }
  # kernelModules: [ nf_conntrack ]
  # patches:                                                  # kubeadm --patches, on init, join and upgrade
  #   - { target: kube-apiserver, type: strategic, patch: { spec: { priorityClassName: system-node-critical } } }
  # (under controlPlane:) apiServer: { extraArgs: { oidc-issuer-url: https://id.example.com }, certSANs: [api.example.com], auditPolicy: {...}, admission: {...} }
  # (under etcd:) extraArgs: { quota-backend-bytes: "8589934592" }
  # (under kubernetes:) featureGates: { SomeGate: true }
  nodes:                          # nodes with a fixed name and address; use an odd number of control planes
    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }
    - { name: cp-2, address: 10.0.0.12, roles: [control-plane] }
    - { name: cp-3, address: 10.0.0.13, roles: [control-plane] }
    - { name: worker-1, address: 10.0.0.21, roles: [worker] }
  pools:                          # identical nodes sharing one payload (autoscaling groups)
    - { name: workers, roles: [worker], count: 3, os: ubuntu-24.04 }   # os: ubuntu-22.04 | ubuntu-24.04 | ubuntu-26.04 | debian-12 | debian-13 | rocky-9 | almalinux-9 | rhel-9 | rocky-10 | almalinux-10 | rhel-10 | fedora-43 | openeuler-24.03 | opensuse-leap-15.6 | amazonlinux-2023 (cloud-init) | flatcar | fedora-coreos (Ignition)
  # ignition:                     # flatcar / fedora-coreos nodes
  #   version: "3.3.0"            # or "3.4.0"
  #   configUrlBase: s3://my-bucket/ignition   # boot from a small pointer; serve nodes/<node>/config.ign at <base>/<node>/config.ign
`;
}
