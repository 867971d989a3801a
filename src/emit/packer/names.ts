// Image names and tags that each cloud accepts, by construction. A template's image name is
// `<base>-<14-digit build timestamp>`; when the base would push the whole name over the cloud's
// limit, it is cut and a short stable hash of the whole base is appended, so two clusters whose names
// share a long prefix still get distinct images, and the same cluster always gets the same name.
import { createHash } from 'node:crypto';
import type { PackerBuilder } from './template.js';

/** `-` + formatdate("YYYYMMDDhhmmss"): what the template appends at build time. */
export const TIMESTAMP_SUFFIX_LENGTH = 15;

export interface NamingRule {
  /** The documented rule, for messages and docs. */
  describe: string;
  maxLength: number;
  pattern: RegExp;
}

/**
 * Each cloud's documented rule for the image (or VM/template) name the builder sets.
 * AWS: CreateImage Name; GCE: images.insert name (RFC 1035); Azure: managed image (Microsoft.Compute
 * naming rules); OpenStack Glance: name ≤ 255; vSphere: VM names ≤ 80; OCI: display name ≤ 255.
 */
export const IMAGE_NAME_RULES: Record<PackerBuilder, NamingRule> = {
  'amazon-ebs': { describe: "3-128 characters: letters, digits, ( ) [ ] space . / - ' @ _", maxLength: 128, pattern: /^[A-Za-z0-9()[\]. /\-'@_]{3,128}$/ },
  googlecompute: { describe: '1-63 characters: lowercase letter first, then lowercase letters, digits and -, not ending in -', maxLength: 63, pattern: /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/ },
  'azure-arm': { describe: '1-80 characters: letters, digits, _ . -; starts with a letter or digit, ends with a letter, digit or _', maxLength: 80, pattern: /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/ },
  openstack: { describe: 'at most 255 characters', maxLength: 255, pattern: /^.{1,255}$/ },
  'vsphere-clone': { describe: 'at most 80 characters', maxLength: 80, pattern: /^[^%/\\]{1,80}$/ },
  'oracle-oci': { describe: 'at most 255 characters', maxLength: 255, pattern: /^.{1,255}$/ },
  qemu: { describe: 'a file name: at most 255 bytes, no /', maxLength: 255 - '.qcow2'.length, pattern: /^[^/]{1,249}$/ },
};

/** GCE image families follow the image name rule. */
export const GCE_FAMILY_RULE = IMAGE_NAME_RULES.googlecompute;

const shortHash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 6);

/** `base` cut to fit `max` characters, with a stable hash of the whole base when it had to be cut. */
export function fitName(base: string, max: number): string {
  if (base.length <= max) return base;
  const keep = base.slice(0, max - 7).replace(/[-_.]+$/, '');
  return `${keep}-${shortHash(base)}`;
}

/** The image name base (before the build timestamp) for one builder. */
export function imageNameBase(base: string, builder: PackerBuilder): string {
  return fitName(base, IMAGE_NAME_RULES[builder].maxLength - TIMESTAMP_SUFFIX_LENGTH);
}

/**
 * Tags/labels per cloud. AWS, OpenStack and vSphere take `kspray.dev/…` keys (`kspray aws images
 * --baked` finds AMIs by them); Azure forbids `< > % & \ ? /` in tag names and OCI freeform tag keys
 * take no `.` or `/` here, so those get `kspray-…` keys; GCE labels are lowercase `[a-z0-9_-]`, ≤ 63.
 */
export function tagsFor(builder: PackerBuilder, tags: Record<string, string>): Record<string, string> {
  const plain = (k: string) => k.replace(/^kspray\.dev\//, 'kspray-');
  switch (builder) {
    case 'azure-arm':
    case 'oracle-oci':
      return Object.fromEntries(Object.entries(tags).map(([k, v]) => [plain(k), v]));
    case 'googlecompute':
      return Object.fromEntries(Object.entries(tags).map(([k, v]) => [gceLabel(plain(k)), gceLabel(v)]));
    default:
      return tags;
  }
}

const gceLabel = (s: string) => fitName(s.toLowerCase().replace(/[^a-z0-9_-]+/g, '-'), 63);
