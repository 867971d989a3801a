// IAM (Query API), Secrets Manager (JSON 1.1, X-Amz-Target secretsmanager.*) and the instance
// metadata service (IMDSv2) for the loopback AWS server (ec2Server.ts). Just enough state to behave
// like AWS for kspray: roles with inline policies, instance profiles, secrets by name with their
// tags, and per-role temporary credentials that IMDS hands out and Secrets Manager authorizes by
// evaluating the role's inline policy (Allow statements, Action and Resource wildcards * and ?).
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const ACCOUNT = '123456789012';
/** The static test credentials kspray itself uses (awsTestEnv): an administrator, allowed everything. */
export const ADMIN_KEY = { accessKeyId: 'AKIDKSPRAYTEST', secret: 'kspray-test-secret' };

export interface FakeRole {
  name: string;
  path: string;
  trust: string;
  tags: Record<string, string>;
  policies: Record<string, string>;
}
export interface FakeProfile {
  name: string;
  path: string;
  roles: string[];
  tags: Record<string, string>;
}
export interface FakeSecret {
  name: string;
  arn: string;
  value: Buffer;
  tokens: string[];
  tags: Record<string, string>;
}
export interface IssuedCredentials {
  role: string;
  secret: string;
  token: string;
}

export interface IdentityState {
  roles: FakeRole[];
  profiles: FakeProfile[];
  secrets: FakeSecret[];
  /** Temporary credentials handed out by IMDS, by access key id. */
  issued: Map<string, IssuedCredentials>;
  /** The instance IMDS answers for: its region and the role of its instance profile (none: no profile). */
  imds: { region: string; role?: string; tokens: Set<string> };
  /** Secrets Manager calls made with instance credentials, for assertions. */
  nodeCalls: Array<{ target: string; role: string; secretId: string; allowed: boolean; signedHeaders: string[]; tokenHeader: boolean }>;
}

export const newIdentityState = (): IdentityState => ({ roles: [], profiles: [], secrets: [], issued: new Map(), imds: { region: 'eu-west-1', tokens: new Set() }, nodeCalls: [] });

export class AwsFault extends Error {
  constructor(readonly code: string, message: string, readonly status = 400) {
    super(message);
  }
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const DATE = '2026-01-01T00:00:00Z';

// --- IAM (Query API, Version 2010-05-08) ---

const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const iamXml = (action: string, result: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${IAM_NS}">${result ? `<${action}Result>${result}</${action}Result>` : ''}<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></${action}Response>`;
export const iamError = (f: AwsFault) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${IAM_NS}"><Error><Type>Sender</Type><Code>${f.code}</Code><Message>${esc(f.message)}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`;

const id = (prefix: string, name: string) => `${prefix}${createHash('sha256').update(name).digest('hex').slice(0, 17).toUpperCase()}`;
const roleXml = (r: FakeRole) =>
  `<Path>${r.path}</Path><RoleName>${esc(r.name)}</RoleName><RoleId>${id('AROA', r.name)}</RoleId><Arn>arn:aws:iam::${ACCOUNT}:role${r.path}${esc(r.name)}</Arn><CreateDate>${DATE}</CreateDate>`;
const profileXml = (p: FakeProfile, roles: FakeRole[]) =>
  `<Path>${p.path}</Path><InstanceProfileName>${esc(p.name)}</InstanceProfileName><InstanceProfileId>${id('AIPA', p.name)}</InstanceProfileId><Arn>arn:aws:iam::${ACCOUNT}:instance-profile${p.path}${esc(p.name)}</Arn><CreateDate>${DATE}</CreateDate><Roles>${p.roles.map((n) => `<member>${roleXml(roles.find((r) => r.name === n)!)}</member>`).join('')}</Roles>`;

function tagsOf(p: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 1; p[`Tags.member.${i}.Key`] !== undefined; i++) out[p[`Tags.member.${i}.Key`]!] = p[`Tags.member.${i}.Value`] ?? '';
  return out;
}

export function handleIam(s: IdentityState, action: string, p: Record<string, string>): string {
  const role = (name = p.RoleName) => s.roles.find((r) => r.name === name);
  const profile = () => s.profiles.find((x) => x.name === p.InstanceProfileName);
  switch (action) {
    case 'GetRole': {
      const r = role();
      if (!r) throw new AwsFault('NoSuchEntity', `The role with name ${p.RoleName} cannot be found.`, 404);
      return iamXml(action, `<Role>${roleXml(r)}</Role>`);
    }
    case 'CreateRole': {
      if (role()) throw new AwsFault('EntityAlreadyExists', `Role with name ${p.RoleName} already exists.`, 409);
      const r: FakeRole = { name: p.RoleName!, path: p.Path ?? '/', trust: p.AssumeRolePolicyDocument ?? '', tags: tagsOf(p), policies: {} };
      s.roles.push(r);
      return iamXml(action, `<Role>${roleXml(r)}</Role>`);
    }
    case 'PutRolePolicy': {
      const r = role();
      if (!r) throw new AwsFault('NoSuchEntity', `The role with name ${p.RoleName} cannot be found.`, 404);
      JSON.parse(p.PolicyDocument ?? ''); // IAM refuses a malformed document
      r.policies[p.PolicyName!] = p.PolicyDocument!;
      return iamXml(action, '');
    }
    case 'GetInstanceProfile': {
      const x = profile();
      if (!x) throw new AwsFault('NoSuchEntity', `Instance Profile ${p.InstanceProfileName} cannot be found.`, 404);
      return iamXml(action, `<InstanceProfile>${profileXml(x, s.roles)}</InstanceProfile>`);
    }
    case 'CreateInstanceProfile': {
      if (profile()) throw new AwsFault('EntityAlreadyExists', `Instance Profile ${p.InstanceProfileName} already exists.`, 409);
      const x: FakeProfile = { name: p.InstanceProfileName!, path: p.Path ?? '/', roles: [], tags: tagsOf(p) };
      s.profiles.push(x);
      return iamXml(action, `<InstanceProfile>${profileXml(x, s.roles)}</InstanceProfile>`);
    }
    case 'AddRoleToInstanceProfile': {
      const x = profile();
      if (!x || !role()) throw new AwsFault('NoSuchEntity', 'no such profile or role', 404);
      // IAM allows one role per instance profile.
      if (x.roles.length) throw new AwsFault('LimitExceeded', 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1', 409);
      x.roles.push(p.RoleName!);
      return iamXml(action, '');
    }
    default:
      throw new AwsFault('InvalidAction', `Could not find operation ${action} for version 2010-05-08`);
  }
}

// --- policy evaluation (the part of IAM's that kspray's policies use) ---

const wildcard = (pattern: string, s: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(s);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/** True when some Allow statement of the role's inline policies names the action and the resource (no Deny used by kspray). */
export function roleAllows(role: FakeRole | undefined, action: string, resource: string): boolean {
  for (const doc of Object.values(role?.policies ?? {})) {
    for (const st of (JSON.parse(doc) as { Statement: Array<Record<string, unknown>> }).Statement) {
      if (st.Effect !== 'Allow') continue;
      if (list(st.Action).some((a) => wildcard(a, action)) && list(st.Resource).some((r) => wildcard(r, resource))) return true;
    }
  }
  return false;
}

// --- Secrets Manager (JSON 1.1) ---

const suffix = () => {
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(6), (b) => a[b % a.length]).join('');
};

/**
 * One Secrets Manager call. `caller` is the admin (kspray) or an instance role; an instance role
 * is authorized by its policy on the secret's ARN, as AWS would.
 */
export function handleSecretsManager(s: IdentityState, target: string, body: Record<string, unknown>, region: string, caller: { role?: string }): Record<string, unknown> {
  const find = (sid: unknown) => s.secrets.find((x) => x.name === sid || x.arn === sid);
  const authorize = (action: string, secret: FakeSecret | undefined, sid: string) => {
    if (caller.role === undefined) return;
    const arn = secret?.arn ?? `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${sid}`;
    const allowed = roleAllows(s.roles.find((r) => r.name === caller.role), `secretsmanager:${action}`, arn);
    if (!allowed) throw new AwsFault('AccessDeniedException', `User: arn:aws:sts::${ACCOUNT}:assumed-role/${caller.role}/i-0 is not authorized to perform: secretsmanager:${action} on resource: ${sid}`);
  };
  switch (target) {
    case 'CreateSecret': {
      const name = String(body.Name);
      if (find(name)) throw new AwsFault('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
      const secret: FakeSecret = {
        name,
        arn: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-${suffix()}`,
        value: Buffer.from(String(body.SecretBinary), 'base64'),
        tokens: [String(body.ClientRequestToken)],
        tags: Object.fromEntries(((body.Tags ?? []) as Array<{ Key: string; Value: string }>).map((t) => [t.Key, t.Value])),
      };
      authorize('CreateSecret', secret, name);
      if (secret.value.length > 65536) throw new AwsFault('ValidationException', 'SecretBinary is longer than 65536');
      s.secrets.push(secret);
      return { ARN: secret.arn, Name: name, VersionId: body.ClientRequestToken };
    }
    case 'PutSecretValue': {
      const secret = find(body.SecretId);
      authorize('PutSecretValue', secret, String(body.SecretId));
      if (!secret) throw new AwsFault('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      const value = Buffer.from(String(body.SecretBinary), 'base64');
      const token = String(body.ClientRequestToken);
      // AWS: the same token with another value is an error; with the same value, a no-op.
      if (secret.tokens.includes(token) && !secret.value.equals(value)) throw new AwsFault('ResourceExistsException', 'You can\'t modify an existing version, you can only create a new version.');
      if (!secret.tokens.includes(token)) secret.tokens.push(token);
      secret.value = value;
      return { ARN: secret.arn, Name: secret.name, VersionId: token };
    }
    case 'GetSecretValue': {
      const secret = find(body.SecretId);
      authorize('GetSecretValue', secret, String(body.SecretId));
      if (!secret) throw new AwsFault('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      return { ARN: secret.arn, Name: secret.name, SecretBinary: secret.value.toString('base64'), VersionId: secret.tokens.at(-1), VersionStages: ['AWSCURRENT'], CreatedDate: 1767225600 };
    }
    case 'DeleteSecret': {
      const secret = find(body.SecretId);
      authorize('DeleteSecret', secret, String(body.SecretId));
      if (!secret) throw new AwsFault('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      if (body.ForceDeleteWithoutRecovery !== true) throw new AwsFault('InvalidParameterException', 'kspray test server: only ForceDeleteWithoutRecovery deletes are expected');
      s.secrets.splice(s.secrets.indexOf(secret), 1);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: 1767225600 };
    }
    default:
      throw new AwsFault('UnknownOperationException', `unknown operation ${target}`);
  }
}

// --- IMDSv2 ---

/** Temporary credentials for a role (stable per role, so tests can sign with them too). */
export function credentialsFor(s: IdentityState, role: string): { accessKeyId: string } & IssuedCredentials {
  const accessKeyId = id('ASIA', role).slice(0, 20);
  const issued = { role, secret: `node-secret/${role}+x`, token: `node-session-token-${createHash('sha256').update(role).digest('base64')}` };
  s.issued.set(accessKeyId, issued);
  return { accessKeyId, ...issued };
}

/** IMDSv2: a PUT for a session token, then GETs that carry it; a GET without one is 401, as with HttpTokens required. */
export function handleImds(s: IdentityState, req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
  if (url === '/latest/api/token') {
    if (req.method !== 'PUT' || !req.headers['x-aws-ec2-metadata-token-ttl-seconds']) {
      res.statusCode = 400;
      return void res.end();
    }
    const token = randomBytes(24).toString('base64');
    s.imds.tokens.add(token);
    return void res.end(token);
  }
  if (!s.imds.tokens.has(String(req.headers['x-aws-ec2-metadata-token'] ?? ''))) {
    res.statusCode = 401;
    return void res.end();
  }
  const role = s.imds.role;
  if (url === '/latest/meta-data/placement/region') return void res.end(s.imds.region);
  if (url === '/latest/meta-data/iam/security-credentials/' && role) return void res.end(role);
  if (role && url === `/latest/meta-data/iam/security-credentials/${role}`) {
    const c = credentialsFor(s, role);
    return void res.end(JSON.stringify({ Code: 'Success', LastUpdated: DATE, Type: 'AWS-HMAC', AccessKeyId: c.accessKeyId, SecretAccessKey: c.secret, Token: c.token, Expiration: '2099-01-01T00:00:00Z' }, null, 2));
  }
  res.statusCode = 404;
  res.end('Not Found');
}
