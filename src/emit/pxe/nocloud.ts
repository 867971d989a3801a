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

export function metaDataObject(node: NodeModel, clusterName: string): Record<string, string> {
  return instanceMetadata(node, clusterName);
}

/** network-config v2 (netplan subset cloud-init reads); undefined for nodes without an address. */
export function networkConfigObject(node: NodeModel, opts: NetworkOptions): Record<string, unknown> | undefined {
  if (node.address === undefined) return undefined;
  // A literal name is the ethernets key itself: every cloud-init renderer (netplan, networkd, ENI)
  // uses it. A glob needs match.name, which only netplan honours (cloud-init's own renderers take
  // the key as the interface name), so it suits Ubuntu; Debian nodes need the literal name.
  const glob = isGlob(opts.interfaceGlob);
  const eth: Record<string, unknown> = {
    ...(glob ? { match: { name: opts.interfaceGlob } } : {}),
    // With a gateway the node is fully static; without one it keeps DHCP for its default route
    // and DNS and gets the spec address on top (kubelet, etcd and certificates use that one).
    dhcp4: opts.gateway === undefined,
    addresses: [`${node.address}/${opts.prefix}`],
  };
  // 0.0.0.0/0 rather than "default": cloud-init's own renderers (ENI, networkd on Debian) read it too.
  if (opts.gateway !== undefined) eth.routes = [{ to: '0.0.0.0/0', via: opts.gateway }];
  if (opts.nameservers.length) eth.nameservers = { addresses: opts.nameservers };
  return { version: 2, ethernets: { [glob ? 'primary' : opts.interfaceGlob]: eth } };
}

export interface SeedFile {
  name: 'user-data' | 'meta-data' | 'network-config';
  content: string;
}

export function nocloudSeed(node: NodeModel, clusterName: string, payload: string, net: NetworkOptions): SeedFile[] {
  const files: SeedFile[] = [
    { name: 'user-data', content: payload },
    { name: 'meta-data', content: toYaml(metaDataObject(node, clusterName)) },
  ];
  const network = networkConfigObject(node, net);
  if (network) files.push({ name: 'network-config', content: toYaml(network) });
  return files;
}
