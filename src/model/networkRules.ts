// Named rules for spec.network (one invariant each), part of rules.ts's list: settings that only
// mean something for one plugin, Multus without a plugin to sit on, and MTUs a tunnel cannot carry.
import type { Problem, SpecPath } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { ClusterSpec } from '../api/v1alpha1/types.js';
import { DEFAULTS } from './defaults.js';
import type { Rule } from './rule.js';

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
