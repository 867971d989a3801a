// `kspray aws images`: the AMIs a cluster's nodes would boot. Official base images come from the
// vendor owners and name filters the Packer templates use (emit/packer/distros.ts); baked images
// are the ones kspray's amazon-ebs template built, found by the tags it sets (kspray.dev/*).
import type { Arch } from '../catalog/catalog.js';
import type { ClusterModel } from '../model/model.js';
import { DISTROS, hasOfficialAmi, type DistroImages, type PackerDistro } from '../emit/packer/distros.js';
import { packerImageTags } from '../emit/packer/template.js';
import { KsprayError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { Ec2, Ec2Params } from './client.js';

export interface AmiQuery {
  distro: PackerDistro;
  arch: Arch;
  params: Ec2Params;
}

export interface Ami {
  ImageId: string;
  Name?: string;
  CreationDate?: string;
}

export interface FoundImage {
  distro: PackerDistro;
  arch: Arch;
  image?: Ami;
  query: AmiQuery;
}

const ec2Arch = (arch: Arch) => (arch === 'arm64' ? 'arm64' : 'x86_64');
const filter = (Name: string, ...Values: string[]) => ({ Name, Values });

/** DescribeImages parameters for one distro and arch: the vendor's image, or the one kspray baked. */
export function amiQuery(model: ClusterModel, distro: PackerDistro, arch: Arch, baked: boolean): AmiQuery {
  const common = [filter('architecture', ec2Arch(arch)), filter('state', 'available'), filter('root-device-type', 'ebs'), filter('virtualization-type', 'hvm')];
  if (baked) {
    // The tags kspray's amazon-ebs template puts on the AMI it builds (emit/packer/template.ts).
    const tags = packerImageTags(model.name, distro, arch, model.kubernetes.version);
    return {
      distro,
      arch,
      params: { Owners: ['self'], Filters: [...Object.entries(tags).map(([k, v]) => filter(`tag:${k}`, v)), ...common] },
    };
  }
  // Callers pass only distros with official AMIs (distroArches, apply's check).
  const aws = (DISTROS[distro] as DistroImages).aws!;
  return { distro, arch, params: { Owners: [aws.owner], Filters: [filter('name', aws.name(arch)), ...common] } };
}

/** Every distro × arch the spec's nodes use that has official AMIs, in a stable order. */
export function distroArches(model: ClusterModel): Array<{ distro: PackerDistro; arch: Arch }> {
  const seen = new Map<string, { distro: PackerDistro; arch: Arch }>();
  for (const n of model.nodes) {
    if (hasOfficialAmi(n.os)) seen.set(`${n.os}/${n.arch}`, { distro: n.os, arch: n.arch });
  }
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
}

/** The newest image by CreationDate (ties: the greatest ImageId, so the choice is stable). */
export function newestImage<T extends Ami>(images: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const img of images) {
    if (!best) {
      best = img;
      continue;
    }
    const a = Date.parse(img.CreationDate ?? '') || 0;
    const b = Date.parse(best.CreationDate ?? '') || 0;
    if (a > b || (a === b && img.ImageId > best.ImageId)) best = img;
  }
  return best;
}

export async function findImage(ec2: Ec2, query: AmiQuery): Promise<Ami | undefined> {
  const answer = await ec2.send('DescribeImages', query.params);
  return newestImage((answer.Images ?? []) as Ami[]);
}

export async function findImages(ec2: Ec2, model: ClusterModel, baked: boolean): Promise<FoundImage[]> {
  const out: FoundImage[] = [];
  for (const { distro, arch } of distroArches(model)) {
    const query = amiQuery(model, distro, arch, baked);
    out.push({ distro, arch, query, image: await findImage(ec2, query) });
  }
  return out;
}

/** A short text of a query's owner and filters, for messages. */
export function describeQuery(q: AmiQuery): string {
  const owners = (q.params.Owners as string[]).join(',');
  const filters = (q.params.Filters as Array<{ Name: string; Values: string[] }>).map((f) => `${f.Name}=${f.Values.join(',')}`).join(' ');
  return `owner ${owners}, ${filters}`;
}

/** Exit 1: the region has no such image (wrong region, or the golden image was never built). */
export function noImage(q: AmiQuery, baked: boolean): KsprayError {
  return new KsprayError('failure', [messages.awsNoImage(`${baked ? 'a kspray-baked' : 'an official'} ${q.distro} ${q.arch} image`, describeQuery(q))]);
}
