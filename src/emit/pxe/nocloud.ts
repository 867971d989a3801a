// NoCloud seed for one node or pool: user-data (the payload), meta-data (instance-id and, for
// fixed nodes, local-hostname) and, for a node with a fixed address, a network-config v2 that
// puts that address on its interface. Objects built and serialized (text/yaml.ts), never templated.
import type { NodeModel } from '../../model/model.js';
import { instanceMetadata } from '../providers/index.js';
import { toYaml } from '../../text/yaml.js';

export interface NetworkOptions {
  /** Interface that gets the address: a name (eth0) or a netplan `match.name` glob (en*, netplan only). Default: en*. */
  interfaceGlob: string;
  /** Prefix length of the node's IPv4 subnet. Default: 24. */
  prefix: number;
  /** Prefix length of the node's IPv6 subnet. Default: 64. */
  prefix6: number;
  /** Default IPv4 gateway; without it an IPv4 interface also takes DHCP (for its route and DNS). */
  gateway?: string;
  /** Default IPv6 gateway; without it the IPv6 default route comes from router advertisements. */
  gateway6?: string;
  nameservers: string[];
}

export const isGlob = (name: string): boolean => /[*?[\]]/.test(name);

export const DEFAULT_NETWORK: NetworkOptions = { interfaceGlob: 'en*', prefix: 24, prefix6: 64, nameservers: [] };

/** The name a MAC-matched interface is given when --interface is a glob (≤ 15 characters, any renderer). */
export const MAC_MATCHED_NAME = 'kspray0';

/**
 * Whether the OS's cloud-init renders network-config through netplan, the only renderer that
 * honours `match.name` globs (Ubuntu). cloud-init's own renderers (sysconfig on RHEL-family and
 * openSUSE, networkd on Amazon Linux, ENI on Debian 12) take the ethernets key as the device name.
 */
export const honoursNameGlob = (os: string): boolean => os.startsWith('ubuntu');

export function metaDataObject(node: NodeModel, clusterName: string): Record<string, string> {
  return instanceMetadata(node, clusterName);
}

/** network-config v2 (netplan subset cloud-init reads); undefined for nodes without an address. */
export function networkConfigObject(node: NodeModel, opts: NetworkOptions, mac?: string): Record<string, unknown> | undefined {
  if (node.address === undefined) return undefined;
  const v4 = node.addresses.filter((a) => !a.includes(':'));
  const v6 = node.addresses.filter((a) => a.includes(':'));
  // With the node's MAC, every renderer finds the NIC: match by MAC and name it (the literal
  // --interface, or kspray0 for a glob); cloud-init renames it at boot. Without it, a literal name is
  // the ethernets key itself (every renderer uses it), and a glob needs match.name, which only
  // netplan honours (the caller refuses a glob for other OSes: honoursNameGlob).
  const glob = isGlob(opts.interfaceGlob);
  const name = mac ? (glob ? MAC_MATCHED_NAME : opts.interfaceGlob) : glob ? 'primary' : opts.interfaceGlob;
  const eth: Record<string, unknown> = {
    ...(mac ? { match: { macaddress: mac }, 'set-name': name } : glob ? { match: { name: opts.interfaceGlob } } : {}),
    // With a gateway the node is fully static; without one it keeps DHCP for its default route
    // and DNS and gets the spec address on top (kubelet, etcd and certificates use that one).
    // An IPv6-only node has no IPv4 to ask DHCP for.
    dhcp4: v4.length > 0 && opts.gateway === undefined,
    // Every address of the node, both families on a dual-stack node (as kubelet --node-ip has them).
    addresses: [...v4.map((a) => `${a}/${opts.prefix}`), ...v6.map((a) => `${a}/${opts.prefix6}`)],
  };
  // 0.0.0.0/0 and ::/0 rather than "default": cloud-init's own renderers (ENI, networkd on Debian) read them too.
  const routes = [
    ...(v4.length && opts.gateway !== undefined ? [{ to: '0.0.0.0/0', via: opts.gateway }] : []),
    ...(v6.length && opts.gateway6 !== undefined ? [{ to: '::/0', via: opts.gateway6 }] : []),
  ];
  if (routes.length) eth.routes = routes;
  if (opts.nameservers.length) eth.nameservers = { addresses: opts.nameservers };
  return { version: 2, ethernets: { [name]: eth } };
}

export interface SeedFile {
  name: 'user-data' | 'meta-data' | 'network-config';
  content: string;
}

export function nocloudSeed(node: NodeModel, clusterName: string, payload: string, net: NetworkOptions, mac?: string): SeedFile[] {
  const files: SeedFile[] = [
    { name: 'user-data', content: payload },
    { name: 'meta-data', content: toYaml(metaDataObject(node, clusterName)) },
  ];
  const network = networkConfigObject(node, net, mac);
  if (network) files.push({ name: 'network-config', content: toYaml(network) });
  return files;
}
