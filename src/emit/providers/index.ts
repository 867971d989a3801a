// Per-cloud packaging of a node payload (`kspray render --provider P`): how each cloud carries user
// data, what it counts against its limit, and the files kspray writes for it. Table-driven: one
// entry per cloud. cloud-init recognises gzip by its magic bytes on every datasource, so a payload
// too big for a channel is gzipped; one still too big is a hard error (never a truncated payload).
import { gzipPayload } from '../cloudInit.js';
import { PROVIDERS } from '../../api/v1alpha1/types.js';
import type { NodeModel } from '../../model/model.js';
import { KsprayError, type Problem } from '../../errors/errors.js';
import { messages } from '../../errors/messages.js';

export type Provider = (typeof PROVIDERS)[number];
export { PROVIDERS };

export type Encoding = 'raw' | 'gzip' | 'base64' | 'gzip+base64';

export interface ProviderFile {
  /** Relative to nodes/<node>/<provider>/. */
  name: string;
  content: string | Buffer;
}

export interface Packaged {
  provider: Provider;
  node: string;
  /** Bytes of the #cloud-config text. */
  raw: number;
  /** Bytes once gzipped (whether or not the channel needed it). */
  gzip: number;
  /** What the cloud receives, as its API field takes it. */
  encoding: Encoding;
  /** The number the cloud checks against `limit` (see ProviderFormat.measures). */
  measured: number;
  limit?: number;
  /** Files to write under nodes/<node>/<provider>/. */
  files: ProviderFile[];
  /** The file `render --node N --provider P` prints on stdout. */
  stdout: string;
  /** Clouds whose limit counts several fields (OCI): each field kspray sends and its bytes, for the refusal. */
  parts?: Array<{ field: string; bytes: number }>;
}

/** What a cloud's metadata carries besides the payload, from the spec. */
export interface PackContext {
  /** spec.ssh.authorizedKeys (OCI sends them in its own ssh_authorized_keys metadata field). */
  sshAuthorizedKeys: string[];
}
const NO_CONTEXT: PackContext = { sshAuthorizedKeys: [] };

export interface ProviderFormat {
  provider: Provider;
  /** Where the value goes, in the cloud's own words. */
  field: string;
  /** Bytes; undefined = no limit kspray enforces. DO NOT raise without the cloud's documentation. */
  limit?: number;
  limitLabel: string;
  /** What the limit counts: the bytes before base64, or the base64 text the API carries. */
  measures: 'bytes' | 'base64';
  /** How to get a payload past the limit, for the error's hint. */
  wayOut: string;
  pack(node: NodeModel, payload: string, clusterName: string, context: PackContext, gz: Buffer): Omit<Packaged, 'provider' | 'node' | 'raw' | 'gzip' | 'limit'>;
}

const b64 = (b: Buffer) => b.toString('base64');

/**
 * Raw when the measured size fits, else gzipped. `measure` turns the bytes into the number the
 * cloud checks. Returns the bytes delivered (before any base64 the API itself needs).
 */
function rawOrGzip(payload: string, gz: Buffer, limit: number | undefined, measure: (b: Buffer) => number): { bytes: Buffer; gzipped: boolean } {
  const raw = Buffer.from(payload, 'utf8');
  // Ignition does not gunzip user data (it reads it as JSON): never compress it.
  if (limit === undefined || measure(raw) <= limit || isIgnition(payload)) return { bytes: raw, gzipped: false };
  return { bytes: gz, gzipped: true };
}

/** Ignition configs are JSON; cloud-init payloads start with #cloud-config (or a MIME header). */
export const isIgnition = (payload: string): boolean => payload.trimStart().startsWith('{');

const byteLength = (b: Buffer) => b.length;
const base64Length = (b: Buffer) => Math.ceil(b.length / 3) * 4;

/** NoCloud/VMware-style meta-data for fixed nodes: a stable instance-id and the spec hostname. */
export function instanceMetadata(node: NodeModel, clusterName: string): Record<string, string> {
  const md: Record<string, string> = { 'instance-id': `kspray-${clusterName}-${node.name}` };
  if (node.kind === 'node') md['local-hostname'] = node.name;
  return md;
}

const POINTER_WAY_OUT =
  'Set spec.secrets.delivery: fetch (keys, certificates and token leave the payload), or boot from a small pointer: set spec.cloudInit.payloadUrlBase (https) and serve nodes/<node>/payload.tar there where only this node can read it (e.g. an S3 presigned URL base); the pointer checks its sha256.';

const IGNITION_WAY_OUT =
  'Ignition user data is never gzipped: set spec.ignition.configUrlBase and serve the full config.ign there; the node then receives a small pointer config that fetches it and checks its sha512.';

/** EC2: "user data is limited to 16 KB, in raw form, before it is base64-encoded"; the tightest of the clouds. */
export const EC2_USER_DATA_LIMIT = 16 * 1024;

export const PROVIDER_FORMATS: Record<Provider, ProviderFormat> = {
  aws: {
    provider: 'aws',
    field: 'EC2 UserData (RunInstances, launch templates)',
    limit: EC2_USER_DATA_LIMIT,
    limitLabel: '16 KiB before base64',
    measures: 'bytes',
    // On AWS the secret store is the better way out: nothing to host (docs/security.md).
    wayOut: `With kspray aws apply, set spec.secrets.delivery: aws-secrets-manager (each node reads its keys and token from its own secret with its role). ${POINTER_WAY_OUT}`,
    pack(_node, payload, _clusterName, _context, gz) {
      const { bytes, gzipped } = rawOrGzip(payload, gz, this.limit, byteLength);
      return {
        encoding: gzipped ? 'gzip' : 'raw',
        measured: bytes.length,
        files: [
          // `aws ec2 run-instances --user-data fileb://user-data` (the CLI base64-encodes it)
          { name: 'user-data', content: bytes },
          // Launch templates and the Query API take the base64 text.
          { name: 'user-data.b64', content: `${b64(bytes)}\n` },
        ],
        stdout: 'user-data',
      };
    },
  },
  gce: {
    provider: 'gce',
    field: 'instance metadata key user-data',
    // Compute Engine: a single metadata value may be at most 256 KB.
    limit: 256 * 1024,
    limitLabel: '256 KiB per metadata value',
    measures: 'bytes',
    wayOut: POINTER_WAY_OUT.replace('an S3 presigned URL', 'a signed Cloud Storage URL'),
    pack(_node, payload, _clusterName, _context, gz) {
      // Metadata values are text: a gzipped payload travels as base64 with user-data-encoding.
      const raw = Buffer.from(payload, 'utf8');
      if (raw.length <= this.limit! || isIgnition(payload)) {
        return { encoding: 'raw', measured: raw.length, files: [{ name: 'user-data', content: payload }], stdout: 'user-data' };
      }
      const text = b64(gz);
      return {
        encoding: 'gzip+base64',
        measured: text.length,
        files: [
          { name: 'user-data', content: text },
          { name: 'user-data-encoding', content: 'base64' },
        ],
        stdout: 'user-data',
      };
    },
  },
  azure: {
    provider: 'azure',
    field: 'osProfile.customData',
    // ARM: "The maximum length of the binary array is 65535 bytes" (after base64 decoding).
    limit: 65535,
    limitLabel: '64 KiB (65535 B) decoded',
    measures: 'bytes',
    wayOut: POINTER_WAY_OUT.replace('an S3 presigned URL', 'a blob SAS URL'),
    pack(_node, payload, _clusterName, _context, gz) {
      const { bytes, gzipped } = rawOrGzip(payload, gz, this.limit, byteLength);
      return {
        encoding: gzipped ? 'gzip+base64' : 'base64',
        measured: bytes.length,
        files: [
          // `az vm create --custom-data @custom-data` encodes it itself.
          { name: 'custom-data', content: bytes },
          // ARM templates / Terraform custom_data take the base64 text.
          { name: 'custom-data.b64', content: `${b64(bytes)}\n` },
        ],
        stdout: 'custom-data.b64',
      };
    },
  },
  openstack: {
    provider: 'openstack',
    field: 'Nova user_data (metadata service and config drive)',
    // Nova: user_data "must be Base64 encoded. Restricted to 65535 bytes" (the encoded text).
    limit: 65535,
    limitLabel: '64 KiB (65535 B) base64',
    measures: 'base64',
    wayOut: POINTER_WAY_OUT.replace('an S3 presigned URL', 'a Swift temp URL'),
    pack(node, payload, clusterName, _context, gz) {
      const { bytes, gzipped } = rawOrGzip(payload, gz, this.limit, base64Length);
      const md = instanceMetadata(node, clusterName);
      // A config drive laid out as Nova writes it, for clouds without a metadata service
      // (`openstack server create --config-drive true --user-data user-data` builds the same).
      const metaData: Record<string, string> = { uuid: md['instance-id']! };
      if (md['local-hostname']) {
        metaData.hostname = md['local-hostname'];
        metaData.name = md['local-hostname'];
      }
      return {
        encoding: gzipped ? 'gzip' : 'raw',
        measured: base64Length(bytes),
        files: [
          { name: 'user-data', content: bytes },
          { name: 'config-drive/openstack/latest/user_data', content: bytes },
          { name: 'config-drive/openstack/latest/meta_data.json', content: `${JSON.stringify(metaData, null, 2)}\n` },
        ],
        stdout: 'user-data',
      };
    },
  },
  vsphere: {
    provider: 'vsphere',
    field: 'VM extraConfig guestinfo.userdata (+ guestinfo.userdata.encoding)',
    limit: undefined,
    limitLabel: 'none enforced',
    measures: 'base64',
    wayOut: '',
    pack(node, payload, clusterName, _context, gz) {
      if (isIgnition(payload)) {
        // Ignition's VMware provider reads its own keys.
        const data = b64(Buffer.from(payload, 'utf8'));
        const extraConfig = { 'guestinfo.ignition.config.data': data, 'guestinfo.ignition.config.data.encoding': 'base64' };
        return {
          encoding: 'base64',
          measured: data.length,
          files: [
            { name: 'guestinfo.json', content: `${JSON.stringify(extraConfig, null, 2)}\n` },
            { name: 'guestinfo.ignition.config.data', content: data },
          ],
          stdout: 'guestinfo.ignition.config.data',
        };
      }
      // cloud-init's VMware datasource decodes "gzip+base64"; always compressed, VMX values are text.
      const userdata = b64(gz);
      const extraConfig: Record<string, string> = {
        'guestinfo.userdata': userdata,
        'guestinfo.userdata.encoding': 'gzip+base64',
      };
      if (node.kind === 'node') {
        extraConfig['guestinfo.metadata'] = b64(gzipPayload(JSON.stringify(instanceMetadata(node, clusterName))));
        extraConfig['guestinfo.metadata.encoding'] = 'gzip+base64';
      }
      return {
        encoding: 'gzip+base64',
        measured: userdata.length,
        files: [
          // govc vm.change -e key=value per entry, or Terraform extra_config.
          { name: 'guestinfo.json', content: `${JSON.stringify(extraConfig, null, 2)}\n` },
          { name: 'guestinfo.userdata', content: userdata },
        ],
        stdout: 'guestinfo.userdata',
      };
    },
  },
  oci: {
    provider: 'oci',
    field: 'instance metadata (user_data + ssh_authorized_keys)',
    // OCI LaunchInstanceDetails: "The combined size of the metadata and extendedMetadata objects can
    // be a maximum of 32,000 bytes." Every field counts, not user_data alone: kspray measures the
    // metadata object it writes (metadata.json) as the JSON the API receives.
    limit: 32000,
    limitLabel: '32,000 B (all metadata together)',
    measures: 'base64',
    wayOut: POINTER_WAY_OUT.replace('an S3 presigned URL', 'an Object Storage pre-authenticated request'),
    pack(_node, payload, _clusterName, context, gz) {
      // OCI's images (and cloud-init's Oracle datasource) give the default user the keys of
      // ssh_authorized_keys; the console and `oci compute instance launch` put the launch key there.
      const others: Record<string, string> = context.sshAuthorizedKeys.length ? { ssh_authorized_keys: context.sshAuthorizedKeys.join('\n') } : {};
      const metadataOf = (userData: string) => ({ ...others, user_data: userData });
      const measure = (b: Buffer) => Buffer.byteLength(JSON.stringify(metadataOf(b64(b))));
      const { bytes, gzipped } = rawOrGzip(payload, gz, this.limit, measure);
      const text = b64(bytes);
      const metadata = metadataOf(text);
      return {
        encoding: gzipped ? 'gzip+base64' : 'base64',
        measured: Buffer.byteLength(JSON.stringify(metadata)),
        files: [
          // `oci compute instance launch --metadata file://metadata.json` (everything kspray sends).
          { name: 'metadata.json', content: `${JSON.stringify(metadata, null, 2)}\n` },
          // `--user-data-file` takes the payload itself; this is the value of user_data.
          { name: 'user-data.b64', content: `${text}\n` },
        ],
        stdout: 'user-data.b64',
        parts: Object.entries(metadata).map(([field, value]) => ({ field, bytes: Buffer.byteLength(JSON.stringify(field)) + Buffer.byteLength(JSON.stringify(value)) })),
      };
    },
  },
  baremetal: {
    provider: 'baremetal',
    field: 'NoCloud user-data (see `kspray pxe`)',
    limit: undefined,
    limitLabel: 'none',
    measures: 'bytes',
    wayOut: '',
    pack(_node, payload) {
      // nodes/<node>/user-data is already the payload; nothing else to write.
      return { encoding: 'raw', measured: Buffer.byteLength(payload), files: [], stdout: '' };
    },
  },
};

export function isProvider(name: string): name is Provider {
  return (PROVIDERS as readonly string[]).includes(name);
}

/**
 * Packages one payload; a payload over the limit is returned with measured > limit (see checkFits).
 * `gz` is the payload gzipped (emit/cloudInit.ts gzipPayload): made once per payload by the caller and
 * shared with the size table and user-data.gz, never re-made here.
 */
export function packagePayload(provider: Provider, node: NodeModel, payload: string, clusterName: string, context: PackContext = NO_CONTEXT, gz: Buffer = gzipPayload(payload)): Packaged {
  const format = PROVIDER_FORMATS[provider];
  const packed = format.pack(node, payload, clusterName, context, gz);
  return {
    provider,
    node: node.name,
    raw: Buffer.byteLength(payload),
    gzip: gz.length,
    limit: format.limit,
    ...packed,
  };
}

export const fits = (p: Packaged): boolean => p.limit === undefined || p.measured <= p.limit;

/** Packages every payload; any that does not fit even gzipped is a hard error naming each node. */
export function packageAll(
  provider: Provider,
  nodes: NodeModel[],
  payloads: Map<string, string>,
  clusterName: string,
  context: PackContext = NO_CONTEXT,
  gzipOf: (node: string) => Buffer = (node) => gzipPayload(payloads.get(node)!),
): Packaged[] {
  const packaged = nodes.map((n) => packagePayload(provider, n, payloads.get(n.name)!, clusterName, context, gzipOf(n.name)));
  const problems: Problem[] = [];
  for (const p of packaged) {
    if (fits(p)) continue;
    const node = nodes.find((n) => n.name === p.node)!;
    const format = PROVIDER_FORMATS[provider];
    const wayOut = [p.parts && p.parts.length > 1 ? messages.metadataParts(p.parts) : '', isIgnition(payloads.get(p.node)!) ? IGNITION_WAY_OUT : format.wayOut].filter(Boolean).join(' ');
    problems.push({ ...messages.userDataTooLarge(provider, p.node, format.field, p.measured, p.encoding, format.limitLabel, wayOut), path: node.specPath });
  }
  if (problems.length) throw new KsprayError('input', problems);
  return packaged;
}

/** The files under outputs/<cluster>/ for packaged payloads. */
export function packagedOutputFiles(packaged: Packaged[]): Array<{ relPath: string; content: string | Buffer; mode: number }> {
  return packaged.flatMap((p) =>
    p.files.map((f) => ({ relPath: `nodes/${p.node}/${p.provider}/${f.name}`, content: f.content, mode: 0o600 })),
  );
}
