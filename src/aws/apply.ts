// `kspray aws apply`: a launch template per pool and one instance per fixed node, carrying the
// packaged user data (emit/providers, aws). Idempotent: instances are found by their kspray.dev/node
// tag and created with a deterministic ClientToken (EC2 returns the first instance for a retried
// token instead of making a second one); an existing launch template gets a new version. With
// spec.secrets.delivery aws-secrets-manager (or s3:// Ignition pointers) each role gets its IAM role
// and instance profile first (aws/identity.ts), and each node's secret is stored right before the
// node is launched (aws/nodeSecrets.ts): a node that is already running gets no new secret.
import { createHash } from 'node:crypto';
import type { Arch } from '../catalog/catalog.js';
import type { NodeModel } from '../model/model.js';
import type { Rendered } from '../render.js';
import type { Packaged } from '../emit/providers/index.js';
import { hasOfficialAmi } from '../emit/packer/distros.js';
import { KsprayError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { AwsApi, Ec2, Ec2Params, IdentityClients } from './client.js';
import { amiQuery, findImage, noImage } from './images.js';
import { ensureIdentity, needsIdentity, roleIdentities } from './identity.js';
import { nodeSecret, storeNodeSecret } from './nodeSecrets.js';
import { identityRole } from '../plan/builders/secretsDelivery.js';

export const TAG_CLUSTER = 'kspray.dev/cluster';
export const TAG_NODE = 'kspray.dev/node';
export const TAG_POOL = 'kspray.dev/pool';

export interface ApplyOptions {
  subnet?: string;
  securityGroups?: string[];
  /** An AMI id, or 'auto': the newest official image for each node's distro and arch. */
  image: string;
  instanceType?: string;
  dryRun: boolean;
  /** Let the instances answer IMDSv1 (unauthenticated GETs) too: only as the user's explicit choice. */
  allowImdsv1?: boolean;
  /** How to wait between RunInstances tries while a new instance profile propagates (tests: no wait). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Instance metadata options on every instance and launch template kspray creates. IMDSv2 only
 * (a session token from a PUT is required), and a hop limit of 1 so the PUT's answer never crosses
 * a second network hop: a pod on the pod network (one more hop through the node) cannot get a token,
 * so it cannot read the node's user data or its role's credentials. IMDSv1 would let any process,
 * and an SSRF through any pod, read both with a plain GET.
 */
export function metadataOptions(allowImdsv1 = false): Ec2Params {
  return { HttpEndpoint: 'enabled', HttpTokens: allowImdsv1 ? 'optional' : 'required', HttpPutResponseHopLimit: 1 };
}

const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * RunInstances' idempotency token: the same cluster, node and payload give the same token, so a
 * retried apply never starts a second instance; a changed payload is a new request. 64 hex chars
 * (EC2's maximum is 64 ASCII characters).
 */
export function clientToken(cluster: string, node: string, payloadSha256: string): string {
  return sha256(`kspray-aws-v1\0${cluster}\0${node}\0${payloadSha256}`);
}

export const launchTemplateName = (cluster: string, pool: string) => `kspray-${cluster}-${pool}`;

const defaultInstanceType = (arch: Arch) => (arch === 'arm64' ? 't4g.medium' : 't3.medium');

const tags = (ResourceType: string, t: Record<string, string>) => ({ ResourceType, Tags: Object.entries(t).map(([Key, Value]) => ({ Key, Value })) });

export interface Delivery {
  node: NodeModel;
  /** What EC2 receives (raw or gzip), before the base64 the Query API needs. */
  userData: Buffer;
  /** sha256 of the rendered payload. */
  payloadSha256: string;
}

/** The packaged user data of every node and pool (packageRendered has already refused oversize ones). */
export function deliveries(r: Rendered, packaged: Packaged[]): Delivery[] {
  return r.model.nodes.map((node) => {
    const p = packaged.find((x) => x.node === node.name)!;
    const file = p.files.find((f) => f.name === 'user-data')!;
    return { node, userData: Buffer.from(file.content), payloadSha256: sha256(r.payloads.get(node.name)!) };
  });
}

const sizeAndHash = (bytes: Buffer) => `<${bytes.length} bytes${bytes[0] === 0x1f && bytes[1] === 0x8b ? ' gzip' : ''}, sha256 ${sha256(bytes)}>`;

/** One line per call for --dry-run: user data and secret values as their size and sha256, never their contents. */
export function describeCall(action: string, params: Ec2Params): string {
  const redact = (v: unknown, key?: string): unknown => {
    if (key === 'UserData' && typeof v === 'string') return sizeAndHash(Buffer.from(v, 'base64'));
    if (key === 'SecretBinary' && v instanceof Uint8Array) return sizeAndHash(Buffer.from(v));
    if (Array.isArray(v)) return v.map((x) => redact(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x, k)]));
    return v;
  };
  return `${action} ${JSON.stringify(redact(params))}`;
}

/** Records calls instead of making them; describes find nothing (a Get answers its expected not-found code). */
export function dryRunApi<A extends string>(print: (line: string) => void): AwsApi<A> {
  return {
    async send(action, params, expected = []) {
      print(describeCall(action, params));
      // A Get finds nothing (its not-found code); a Create or Run succeeds.
      return expected.length && /^(Get|Describe)/.test(action) ? { $error: expected[0] } : {};
    },
  };
}
export const dryRunEc2 = (print: (line: string) => void): Ec2 => dryRunApi(print);

export interface ApplyResult {
  /** Human-readable lines, one per node/pool. */
  lines: string[];
}

export async function applyAws(ec2: Ec2, r: Rendered, packaged: Packaged[], o: ApplyOptions, identity?: IdentityClients): Promise<ApplyResult> {
  const cluster = r.model.name;
  const all = deliveries(r, packaged);
  const fixed = all.filter((d) => d.node.kind === 'node');
  const pools = all.filter((d) => d.node.kind === 'pool');
  for (const d of fixed) if (!d.node.address) throw new KsprayError('input', [{ ...messages.awsNoAddress(d.node.name), path: d.node.specPath }]);
  // RunInstances gets the IPv4 PrivateIpAddress only: an IPv6 node address would be dropped silently.
  for (const d of fixed) {
    const v6 = d.node.addresses.find((a) => a.includes(':'));
    if (v6) throw new KsprayError('input', [{ ...messages.awsIPv6Address(d.node.name, v6), path: [...d.node.specPath, 'address'] }]);
  }
  // Refuse what cannot work before any call.
  if (o.image === 'auto') {
    for (const d of all) if (!hasOfficialAmi(d.node.os)) throw new KsprayError('input', [{ ...messages.awsNoOfficialImage(d.node.name, d.node.os), path: d.node.specPath }]);
  }
  const images = new Map<string, string>();
  const imageFor = async (n: NodeModel): Promise<string> => {
    if (o.image !== 'auto') return o.image;
    const key = `${n.os}/${n.arch}`;
    if (!images.has(key)) {
      const query = amiQuery(r.model, n.os as never, n.arch, false);
      const found = await findImage(ec2, query);
      if (!found && !o.dryRun) throw noImage(query, false);
      images.set(key, found?.ImageId ?? `<newest ${key} from DescribeImages>`);
    }
    return images.get(key)!;
  };
  const lines: string[] = [];

  // Per-role identity before anything is launched with it; the names are checked before any call.
  const profiles = new Map<string, string>();
  if (needsIdentity(r.model)) {
    if (!identity) throw new Error('applyAws: this cluster needs IAM and Secrets Manager clients');
    const ids = roleIdentities(r.model, identity.region);
    for (const d of all) nodeSecret(r, d.node); // refuses an oversized secret before any call
    for (const id of ids) {
      lines.push(...(await ensureIdentity(identity.iam, cluster, id)));
      for (const n of id.nodes) profiles.set(n.name, id.name);
    }
  }
  const profileOf = (n: NodeModel): Ec2Params => (profiles.has(n.name) ? { IamInstanceProfile: { Name: profiles.get(n.name) } } : {});
  const storeSecret = async (n: NodeModel) => {
    const secret = nodeSecret(r, n);
    if (secret) lines.push(`${n.kind} ${n.name}: ${await storeNodeSecret(identity!.secretsManager, cluster, n, secret)} (${identityRole(n)})`);
  };

  // Pools: one launch template each, a new version when it exists.
  if (pools.length) {
    const names = pools.map((d) => launchTemplateName(cluster, d.node.name));
    const existing = new Set<string>();
    const answer = await ec2.send('DescribeLaunchTemplates', { Filters: [{ Name: 'launch-template-name', Values: names }] });
    for (const lt of answer.LaunchTemplates ?? []) if (lt.LaunchTemplateName) existing.add(lt.LaunchTemplateName);
    for (const d of pools) {
      const name = launchTemplateName(cluster, d.node.name);
      const t = { [TAG_CLUSTER]: cluster, [TAG_POOL]: d.node.name };
      const data: Ec2Params = {
        ImageId: await imageFor(d.node),
        InstanceType: o.instanceType ?? defaultInstanceType(d.node.arch),
        UserData: d.userData.toString('base64'),
        MetadataOptions: metadataOptions(o.allowImdsv1),
        ...profileOf(d.node),
        ...(o.securityGroups?.length ? { SecurityGroupIds: o.securityGroups } : {}),
        TagSpecifications: [tags('instance', { Name: `${cluster}-${d.node.name}`, ...t }), tags('volume', t)],
      };
      await storeSecret(d.node);
      // Over the whole template data (payload, image, type...): the same data is the same version on a
      // retry, a changed one a new version (never EC2's IdempotentParameterMismatch).
      const token = clientToken(cluster, `pool/${d.node.name}`, sha256(JSON.stringify(data)));
      if (existing.has(name)) {
        const v = await ec2.send('CreateLaunchTemplateVersion', { LaunchTemplateName: name, LaunchTemplateData: data, ClientToken: token, VersionDescription: `kspray payload sha256 ${d.payloadSha256.slice(0, 16)}` });
        lines.push(`pool ${d.node.name}: launch template ${name}: new version ${v.LaunchTemplateVersion?.VersionNumber ?? '?'}`);
      } else {
        const c = await ec2.send('CreateLaunchTemplate', {
          LaunchTemplateName: name,
          LaunchTemplateData: data,
          ClientToken: token,
          VersionDescription: `kspray payload sha256 ${d.payloadSha256.slice(0, 16)}`,
          TagSpecifications: [tags('launch-template', t)],
        });
        lines.push(`pool ${d.node.name}: launch template ${name} created ${c.LaunchTemplate?.LaunchTemplateId ?? ''}`.trimEnd());
      }
    }
  }

  // Fixed nodes: skip those with a pending/running instance, run the others.
  if (fixed.length) {
    const running = new Map<string, string>();
    let NextToken: string | undefined;
    do {
      const answer = await ec2.send('DescribeInstances', {
        Filters: [
          { Name: `tag:${TAG_CLUSTER}`, Values: [cluster] },
          { Name: 'instance-state-name', Values: ['pending', 'running'] },
        ],
        ...(NextToken ? { NextToken } : {}),
      });
      for (const res of answer.Reservations ?? []) {
        for (const inst of res.Instances ?? []) {
          const node = (inst.Tags ?? []).find((x: { Key?: string }) => x.Key === TAG_NODE)?.Value;
          if (node) running.set(node, inst.InstanceId ?? '?');
        }
      }
      NextToken = answer.NextToken;
    } while (NextToken);
    for (const d of fixed) {
      const have = running.get(d.node.name);
      if (have) {
        lines.push(`node ${d.node.name}: already running as ${have}, skipped`);
        continue;
      }
      const t = { Name: d.node.name, [TAG_CLUSTER]: cluster, [TAG_NODE]: d.node.name };
      await storeSecret(d.node);
      const run = await runInstance(ec2, o, {
        ImageId: await imageFor(d.node),
        InstanceType: o.instanceType ?? defaultInstanceType(d.node.arch),
        MinCount: 1,
        MaxCount: 1,
        PrivateIpAddress: d.node.address,
        ...(o.subnet ? { SubnetId: o.subnet } : {}),
        ...(o.securityGroups?.length ? { SecurityGroupIds: o.securityGroups } : {}),
        UserData: d.userData.toString('base64'),
        MetadataOptions: metadataOptions(o.allowImdsv1),
        ...profileOf(d.node),
        ClientToken: clientToken(cluster, d.node.name, d.payloadSha256),
        TagSpecifications: [tags('instance', t), tags('volume', { [TAG_CLUSTER]: cluster, [TAG_NODE]: d.node.name })],
      });
      lines.push(`node ${d.node.name}: ${run.Instances?.[0]?.InstanceId ?? 'instance'} at ${d.node.address}`);
    }
  }
  return { lines };
}

/**
 * RunInstances, waiting out IAM's eventual consistency: an instance profile created moments ago is
 * not yet visible to EC2 ("Invalid IAM Instance Profile name") for some seconds. Other errors fail
 * at once; the token makes a retry safe.
 */
async function runInstance(ec2: Ec2, o: ApplyOptions, params: Ec2Params) {
  const sleep = o.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    const run = await ec2.send('RunInstances', params, ['InvalidParameterValue']);
    if (!run.$error) return run;
    if (!/iamInstanceProfile|instance profile/i.test(String(run.$message)) || attempt >= PROFILE_TRIES) {
      throw new KsprayError('failure', [messages.awsCallFailed('RunInstances', String(run.$error), String(run.$message))]);
    }
    await sleep(PROFILE_WAIT_MS);
  }
}
/** About a minute in all: IAM propagation usually takes seconds. */
const PROFILE_TRIES = 12;
const PROFILE_WAIT_MS = 5000;
