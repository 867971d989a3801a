// Named rules for spec.network (one invariant each), part of rules.ts's list: settings that only
// mean something for one plugin, Multus without a plugin to sit on, and MTUs a tunnel cannot carry.
import type { Problem, SpecPath } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { ClusterSpec } from '../api/v1alpha1/types.js';
import { DEFAULTS } from './defaults.js';
import type { Rule } from './rule.js';
import { cidrOf, describeFamilies, specStack } from './stack.js';

const NET: SpecPath = ['spec', 'network'];
const pluginOf = (spec: ClusterSpec) => spec.spec.network?.plugin ?? DEFAULTS.network.plugin;
/** Points at the plugin the user wrote, else at the block holding the misplaced setting. */
const pluginPath = (spec: ClusterSpec, fallback: SpecPath): SpecPath => (spec.spec.network?.plugin ? [...NET, 'plugin'] : fallback);

/** Bytes the encapsulation adds to each pod packet (outer IPv4 + UDP + VXLAN/Geneve + inner Ethernet; IP-in-IP: one IPv4 header). */
export function tunnelOverhead(spec: ClusterSpec): { name: string; bytes: number } | undefined {
  const net = spec.spec.network;
  switch (pluginOf(spec)) {
    case 'calico': {
      const enc = net?.calico?.encapsulation ?? DEFAULTS.network.calico.encapsulation;
      return enc === 'vxlan' ? { name: 'calico vxlan', bytes: 50 } : enc === 'ipip' ? { name: 'calico ipip', bytes: 20 } : undefined;
    }
    case 'cilium': {
      const tunnel = net?.cilium?.tunnel ?? DEFAULTS.network.cilium.tunnel;
      return { name: `cilium ${tunnel}`, bytes: 50 };
    }
    case 'flannel':
      return { name: 'flannel vxlan', bytes: 50 };
    case 'kube-router':
      // kube-router's overlay between subnets is IP-in-IP.
      return { name: 'kube-router ipip', bytes: 20 };
    case 'none':
      return undefined;
  }
}

/** The largest host MTU kspray assumes any network offers (jumbo frames). */
export const MAX_HOST_MTU = 9000;

export const networkRules: Rule[] = [
  {
    name: 'network-plugin-ip-families',
    // Plugin/mode pairs that cannot carry the cluster's families, checked against each plugin's
    // documentation; every other pair is rendered with that plugin's dual-stack/IPv6 settings.
    check: (spec) => {
      const stack = specStack(spec);
      if (!stack || !stack.families.includes('IPv6')) return [];
      const plugin = pluginOf(spec);
      const families = describeFamilies(stack.families);
      // Calico: IP-in-IP encapsulates IPv4 only (its IPv6 pools take VXLAN or no encapsulation).
      if (plugin === 'calico' && spec.spec.network?.calico?.encapsulation === 'ipip')
        return [{ ...messages.calicoIpipIPv6(families), path: [...NET, 'calico', 'encapsulation'] }];
      // Cilium: VXLAN/Geneve tunnels need an IPv4 underlay (docs.cilium.io routing, cilium/cilium#17240),
      // and kspray renders Cilium in tunnel mode only.
      if (plugin === 'cilium' && !stack.families.includes('IPv4')) {
        const tunnel = spec.spec.network?.cilium?.tunnel ?? DEFAULTS.network.cilium.tunnel;
        return [{ ...messages.ciliumTunnelNeedsIPv4(tunnel), path: spec.spec.network?.cilium?.tunnel ? [...NET, 'cilium', 'tunnel'] : [...NET, 'plugin'] }];
      }
      return [];
    },
  },
  {
    name: 'calico-block-size',
    // Calico's IPPool blockSize must be 20-32 (IPv4) or 116-128 (IPv6): kspray makes the node mask
    // the block size, so a mask outside that range would leave calico-node without a pool.
    check: (spec) => {
      const stack = specStack(spec);
      if (!stack || pluginOf(spec) !== 'calico') return [];
      const k = spec.spec.kubernetes;
      const out: Problem[] = [];
      const v4 = k?.nodeCidrMaskSize ?? DEFAULTS.kubernetes.nodeCidrMaskSize;
      const v6 = k?.nodeCidrMaskSizeIPv6 ?? DEFAULTS.kubernetes.nodeCidrMaskSizeIPv6;
      if (cidrOf(stack.pod, 'IPv4') && v4 < 20) out.push({ ...messages.calicoBlockSize('nodeCidrMaskSize', v4, 'IPv4'), path: ['spec', 'kubernetes', 'nodeCidrMaskSize'] });
      if (cidrOf(stack.pod, 'IPv6') && v6 < 116)
        out.push({ ...messages.calicoBlockSize('nodeCidrMaskSizeIPv6', v6, 'IPv6'), path: ['spec', 'kubernetes', 'nodeCidrMaskSizeIPv6'] });
      return out;
    },
  },
  {
    name: 'kube-proxy-replacement-needs-cilium',
    check: (spec) =>
      spec.spec.network?.cilium?.kubeProxyReplacement === true && pluginOf(spec) !== 'cilium'
        ? [{ ...messages.kubeProxyReplacementNeedsCilium(pluginOf(spec)), path: [...NET, 'cilium', 'kubeProxyReplacement'] }]
        : [],
  },
  {
    name: 'plugin-settings-match-plugin',
    // A calico: or cilium: block for another plugin would be ignored silently.
    check: (spec) => {
      const net = spec.spec.network;
      const plugin = pluginOf(spec);
      const out: Problem[] = [];
      if (net?.calico && plugin !== 'calico') out.push({ ...messages.pluginSettingsMismatch('calico', plugin), path: pluginPath(spec, [...NET, 'calico']) });
      // kubeProxyReplacement alone has its own rule.
      const ciliumKeys = Object.keys(net?.cilium ?? {}).filter((k) => k !== 'kubeProxyReplacement');
      if (ciliumKeys.length > 0 && plugin !== 'cilium') out.push({ ...messages.pluginSettingsMismatch('cilium', plugin), path: pluginPath(spec, [...NET, 'cilium']) });
      return out;
    },
  },
  {
    name: 'calico-routes-between-nodes',
    // IP-in-IP and unencapsulated pods need BGP routes (BIRD); CrossSubnet needs a tunnel to fall back to.
    check: (spec) => {
      const c = spec.spec.network?.calico;
      const enc = c?.encapsulation ?? DEFAULTS.network.calico.encapsulation;
      const out: Problem[] = [];
      if (c?.bgp === false && enc !== 'vxlan') out.push({ ...messages.calicoNeedsBgp(enc), path: [...NET, 'calico', 'bgp'] });
      if (c?.crossSubnet === true && enc === 'none') out.push({ ...messages.calicoCrossSubnetNeedsTunnel(), path: [...NET, 'calico', 'crossSubnet'] });
      return out;
    },
  },
  {
    name: 'calico-block-fits-pods',
    check: (spec) => {
      const size = spec.spec.network?.calico?.blockSize;
      const pods = spec.spec.kubernetes?.podSubnet ?? DEFAULTS.kubernetes.podSubnet;
      const prefix = Number(pods.split('/')[1]);
      return size !== undefined && Number.isFinite(prefix) && size < prefix ? [{ ...messages.calicoBlockTooBig(size, pods), path: [...NET, 'calico', 'blockSize'] }] : [];
    },
  },
  {
    name: 'multus-needs-plugin',
    check: (spec) =>
      spec.spec.network?.multus === true && pluginOf(spec) === 'none' ? [{ ...messages.multusNeedsPlugin(), path: [...NET, 'multus'] }] : [],
  },
  {
    name: 'mtu-fits-encapsulation',
    check: (spec) => {
      const mtu = spec.spec.network?.mtu;
      const overhead = tunnelOverhead(spec);
      if (mtu === undefined || !overhead || mtu + overhead.bytes <= MAX_HOST_MTU) return [];
      return [{ ...messages.mtuTooBigForTunnel(mtu, overhead.name, overhead.bytes, MAX_HOST_MTU), path: [...NET, 'mtu'] }];
    },
  },
  {
    name: 'proxy-mode-needs-kube-proxy',
    // With Cilium's replacement there is no kube-proxy whose mode could be chosen.
    check: (spec) =>
      spec.spec.kubernetes?.proxyMode !== undefined && pluginOf(spec) === 'cilium' && spec.spec.network?.cilium?.kubeProxyReplacement === true
        ? [{ ...messages.proxyModeWithoutKubeProxy(spec.spec.kubernetes.proxyMode), path: ['spec', 'kubernetes', 'proxyMode'] }]
        : [],
  },
];
