// Named rules for spec.network (one invariant each), part of rules.ts's list: settings that only
// mean something for one plugin, Multus without a plugin to sit on, and MTUs a tunnel cannot carry.
import type { Problem, SpecPath } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { ClusterSpec } from '../api/v1alpha1/types.js';
import { DEFAULTS } from './defaults.js';
import type { Rule } from './rule.js';
import { describeFamilies, specStack } from './stack.js';

const NET: SpecPath = ['spec', 'network'];
const pluginOf = (spec: ClusterSpec) => spec.spec.network?.plugin ?? DEFAULTS.network.plugin;

/** Bytes the encapsulation adds to each pod packet (outer IPv4 + UDP + VXLAN/Geneve + inner Ethernet; IP-in-IP: one IPv4 header). */
export function tunnelOverhead(spec: ClusterSpec): { name: string; bytes: number } | undefined {
  const net = spec.spec.network;
  switch (pluginOf(spec)) {
    case 'calico': {
      const enc = net?.calico?.encapsulation ?? DEFAULTS.network.calico.encapsulation;
      return enc === 'vxlan' ? { name: 'calico vxlan', bytes: 50 } : enc === 'ipip' ? { name: 'calico ipip', bytes: 20 } : undefined;
    }
    case 'cilium': {
      // Stryker disable next-line OptionalChaining: plugin: cilium is written (calico is the default), so net is there
      const tunnel = net?.cilium?.tunnel ?? DEFAULTS.network.cilium.tunnel;
      return { name: `cilium ${tunnel}`, bytes: 50 };
    }
    case 'flannel':
      return { name: 'flannel vxlan', bytes: 50 };
    case 'kube-router':
      // kube-router's overlay between subnets is IP-in-IP.
      return { name: 'kube-router ipip', bytes: 20 };
    // Stryker disable next-line ConditionalExpression,StringLiteral: without this case the switch falls out and returns undefined all the same; it names every plugin.
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
        // plugin: cilium is written (calico is the default), so spec.network is there.
        const written = spec.spec.network!.cilium?.tunnel;
        return [{ ...messages.ciliumTunnelNeedsIPv4(written ?? DEFAULTS.network.cilium.tunnel), path: written ? [...NET, 'cilium', 'tunnel'] : [...NET, 'plugin'] }];
      }
      return [];
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
      const net = spec.spec.network ?? {};
      const plugin = pluginOf(spec);
      const out: Problem[] = [];
      // Another plugin than calico, the default, is always written: point at it.
      if (net.calico && plugin !== 'calico') out.push({ ...messages.pluginSettingsMismatch('calico', plugin), path: [...NET, 'plugin'] });
      // kubeProxyReplacement alone has its own rule. Points at the plugin the user wrote, else at the block.
      const ciliumKeys = Object.keys(net.cilium ?? {}).filter((k) => k !== 'kubeProxyReplacement');
      if (ciliumKeys.length > 0 && plugin !== 'cilium') out.push({ ...messages.pluginSettingsMismatch('cilium', plugin), path: net.plugin ? [...NET, 'plugin'] : [...NET, 'cilium'] });
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
      // blockSize sizes the IPv4 pool (the IPv6 pool takes Calico's default, /122).
      const size = spec.spec.network?.calico?.blockSize;
      const v4 = specStack(spec)?.pod.find((c) => c.family === 'IPv4');
      if (size === undefined || !specStack(spec)) return [];
      if (!v4) return [{ ...messages.calicoBlockSizeWithoutIPv4(size), path: [...NET, 'calico', 'blockSize'] }];
      return size < v4.prefix ? [{ ...messages.calicoBlockTooBig(size, v4.text), path: [...NET, 'calico', 'blockSize'] }] : [];
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
      spec.spec.network?.cilium?.kubeProxyReplacement === true && pluginOf(spec) === 'cilium' && spec.spec.kubernetes?.proxyMode !== undefined
        ? [{ ...messages.proxyModeWithoutKubeProxy(spec.spec.kubernetes.proxyMode), path: ['spec', 'kubernetes', 'proxyMode'] }]
        : [],
  },
];
