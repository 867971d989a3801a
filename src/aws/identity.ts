// Per-role cloud identity for `kspray aws apply`: one IAM role and one instance profile for each
// of control-plane, etcd and worker, whose inline policy reads only that role's secrets (and, for
// Flatcar/Fedora CoreOS s3:// pointers, only that role's config.ign objects). One shared role would
// let a worker read a control plane's CA keys: the split is the point.
import type { ClusterModel, NodeModel } from '../model/model.js';
import { awsSecretName, awsSecretPrefix, identityRole, IDENTITY_ROLES, type IdentityRole } from '../plan/builders/secretsDelivery.js';
import { usesIgnition } from '../plan/osProfile.js';
import { KsprayError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { Iam } from './client.js';

export const TAG_ROLE = 'kspray.dev/role';
/** IAM's limit for role and instance profile names. */
const IAM_NAME_MAX = 64;

export const identityName = (cluster: string, role: IdentityRole): string => `kspray-${cluster}-${role}`;

/** Nodes need an instance identity when they read a secret or an s3:// Ignition config with it. */
export function needsIdentity(model: ClusterModel): boolean {
  return model.secrets.delivery === 'aws-secrets-manager' || s3ConfigBase(model) !== undefined;
}

/** spec.ignition.configUrlBase as bucket and key prefix, when it is s3:// and some node uses Ignition. */
function s3ConfigBase(model: ClusterModel): { bucket: string; prefix: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(model.ignition.configUrlBase ?? '');
  if (!m || !model.nodes.some((n) => usesIgnition(n.os))) return undefined;
  return { bucket: m[1]!, prefix: m[2]!.replace(/\/+$/, '') };
}

/** The partition of a region's ARNs. */
export const partition = (region: string): string => (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');

export interface RoleIdentity {
  role: IdentityRole;
  /** The IAM role's and the instance profile's name. */
  name: string;
  nodes: NodeModel[];
  /** The inline policy, as IAM receives it (JSON text). */
  policy: string;
}

const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/**
 * The inline policy of one role: GetSecretValue on the role's secret name prefix (Secrets Manager
 * appends a random 6-character suffix to each ARN, hence the wildcard), DeleteSecret only on the
 * fixed nodes' own secrets (a pool's secret stays for the pool's next instances), s3:GetObject only
 * on the role's nodes' config.ign. Nothing else: no list, no write, no other role's prefix.
 */
export function rolePolicy(model: ClusterModel, region: string, role: IdentityRole, nodes: NodeModel[]): string {
  const p = partition(region);
  const secretArn = (nameOrPrefix: string) => `arn:${p}:secretsmanager:${region}:*:secret:${nameOrPrefix}`;
  const statements: Array<Record<string, unknown>> = [];
  if (model.secrets.delivery === 'aws-secrets-manager') {
    statements.push({ Sid: 'ReadOwnRoleSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretArn(`${awsSecretPrefix(model.name, role)}*`) });
    const fixed = nodes.filter((n) => n.kind === 'node');
    if (fixed.length) statements.push({ Sid: 'ForgetOwnSecretAfterBootstrap', Effect: 'Allow', Action: 'secretsmanager:DeleteSecret', Resource: fixed.map((n) => secretArn(`${awsSecretName(model.name, n)}-??????`)) });
  }
  const s3 = s3ConfigBase(model);
  const ignition = nodes.filter((n) => usesIgnition(n.os));
  if (s3 && ignition.length) {
    const key = (n: NodeModel) => [s3.prefix, n.name, 'config.ign'].filter(Boolean).join('/');
    statements.push({ Sid: 'ReadOwnRoleIgnitionConfigs', Effect: 'Allow', Action: 's3:GetObject', Resource: ignition.map((n) => `arn:${p}:s3:::${s3.bucket}/${key(n)}`) });
  }
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** The identities of the roles present in the cluster, in control-plane, etcd, worker order. */
export function roleIdentities(model: ClusterModel, region: string): RoleIdentity[] {
  return IDENTITY_ROLES.flatMap((role) => {
    const nodes = model.nodes.filter((n) => identityRole(n) === role);
    if (!nodes.length) return [];
    const name = identityName(model.name, role);
    if (name.length > IAM_NAME_MAX) throw new KsprayError('input', [{ ...messages.awsIdentityNameTooLong(name), path: ['metadata', 'name'] }]);
    return [{ role, name, nodes, policy: rolePolicy(model, region, role, nodes) }];
  });
}

/**
 * Creates what is missing and sets the policy (PutRolePolicy replaces it, so a changed spec takes
 * effect): role, inline policy, instance profile, the role in the profile. Idempotent.
 */
export async function ensureIdentity(iam: Iam, cluster: string, id: RoleIdentity): Promise<string[]> {
  const lines: string[] = [];
  const Tags = [
    { Key: 'kspray.dev/cluster', Value: cluster },
    { Key: TAG_ROLE, Value: id.role },
  ];
  const role = await iam.send('GetRole', { RoleName: id.name }, ['NoSuchEntity', 'NoSuchEntityException']);
  if (role.$error) {
    await iam.send('CreateRole', { RoleName: id.name, Path: '/kspray/', AssumeRolePolicyDocument: TRUST_POLICY, Description: `kspray ${cluster}: ${id.role} nodes`, Tags });
    lines.push(`role ${id.role}: IAM role ${id.name} created`);
  }
  await iam.send('PutRolePolicy', { RoleName: id.name, PolicyName: 'kspray-node', PolicyDocument: id.policy });
  const profile = await iam.send('GetInstanceProfile', { InstanceProfileName: id.name }, ['NoSuchEntity', 'NoSuchEntityException']);
  const roles: Array<{ RoleName?: string }> = profile.$error ? [] : (profile.InstanceProfile?.Roles ?? []);
  if (profile.$error) {
    await iam.send('CreateInstanceProfile', { InstanceProfileName: id.name, Path: '/kspray/', Tags });
    lines.push(`role ${id.role}: instance profile ${id.name} created`);
  }
  if (!roles.some((r) => r.RoleName === id.name)) await iam.send('AddRoleToInstanceProfile', { InstanceProfileName: id.name, RoleName: id.name });
  lines.push(`role ${id.role}: instance profile ${id.name} for ${id.nodes.map((n) => n.name).join(', ')}`);
  return lines;
}
