// NoCloud seed for one node or pool: user-data (the payload), meta-data (instance-id and, for
// fixed nodes, local-hostname) and, for a node with a fixed address, a network-config v2 that
// puts that address on its interface. Objects built and serialized (text/yaml.ts), never templated.
import type { NodeModel } from '../../model/model.js';
import { instanceMetadata } from '../providers/index.js';
import { toYaml } from '../../text/yaml.js';

export interface NetworkOptions {
  /** Interface that gets the address: a name (eth0) or a netplan `match.name` glob (en*, netplan only). Default: en*. */
  interfaceGlob: string;
  /** Prefix length of the node subnet. Default: 24. */
  prefix: number;
  /** Default gateway; without it the interface also takes DHCP (for its route and DNS). */
  gateway?: string;
  nameservers: string[];
}

export const isGlob = (name: string): boolean => /[*?[\]]/.test(name);

export const DEFAULT_NETWORK: NetworkOptions = { interfaceGlob: 'en*', prefix: 24, nameservers: [] };

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
    dhcp4: opts.gateway === undefined,
    addresses: [`${node.address}/${opts.prefix}`],
  };
  // 0.0.0.0/0 rather than "default": cloud-init's own renderers (ENI, networkd on Debian) read it too.
  if (opts.gateway !== undefined) eth.routes = [{ to: '0.0.0.0/0', via: opts.gateway }];
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
