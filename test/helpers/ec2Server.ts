// A loopback AWS server for the `kspray aws` tests and the node program's aws-secrets-manager
// phase. EC2 (Query API): parses the form-encoded requests the SDK sends (Action, Version,
// Filter.1.Name, TagSpecification.1.Tag.1.Key, ...), records them, and answers with the XML shapes
// the SDK parses; just enough state to behave like EC2 for idempotency (instances by ClientToken and
// tags, launch templates by name with versions). IAM, Secrets Manager and IMDSv2: awsServices.ts.
// Every API request must carry a valid SigV4 signature (sigv4.ts) from the static test key or from
// credentials IMDS handed out; the verdicts are recorded.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4, type Verdict } from './sigv4.js';
import { ADMIN_KEY, AwsFault, handleIam, handleImds, handleSecretsManager, iamError, newIdentityState, type IdentityState } from './awsServices.js';

export interface WireRequest {
  /** EC2 and IAM: the Action; Secrets Manager: the X-Amz-Target operation, e.g. GetSecretValue. */
  action: string;
  service: 'ec2' | 'iam' | 'secretsmanager';
  /** Form parameters; Secrets Manager: the JSON body's top-level members as text. */
  params: Record<string, string>;
  /** The SigV4 verdict; a request that fails it is answered with an auth error. */
  auth: Verdict;
}

export interface FakeImage {
  imageId: string;
  name: string;
  creationDate: string;
  ownerId: string;
  tags?: Record<string, string>;
}

export interface FakeInstance {
  instanceId: string;
  clientToken: string;
  privateIp?: string;
  state: 'pending' | 'running' | 'terminated';
  tags: Record<string, string>;
}

export interface Ec2State {
  images: FakeImage[];
  instances: FakeInstance[];
  launchTemplates: Array<{ id: string; name: string; versions: number; tags: Record<string, string> }>;
}

export interface Ec2Server {
  url: string;
  requests: WireRequest[];
  state: Ec2State;
  identity: IdentityState;
  close(): Promise<void>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const tagSet = (tags: Record<string, string>) =>
  `<tagSet>${Object.entries(tags).map(([k, v]) => `<item><key>${esc(k)}</key><value>${esc(v)}</value></item>`).join('')}</tagSet>`;
const respond = (action: string, body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId>${body}</${action}Response>`;

/** Indexed members: list('Filter', p) → [{ Name, Value.1 ... }] as flat maps per index. */
export function members(params: Record<string, string>, prefix: string): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)\\.(.+)$`);
  for (const [k, v] of Object.entries(params)) {
    const m = re.exec(k);
    if (!m) continue;
    const i = Number(m[1]) - 1;
    (out[i] ??= {})[m[2]!] = v;
  }
  return out.filter(Boolean);
}

/** Filters as name → values. */
export function filters(params: Record<string, string>, prefix = 'Filter'): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of members(params, prefix)) {
    const values = Object.entries(f).filter(([k]) => k.startsWith('Value.')).sort(([a], [b]) => Number(a.slice(6)) - Number(b.slice(6))).map(([, v]) => v);
    out.set(f.Name!, values);
  }
  return out;
}

/** Tags of one resource type from TagSpecification.N (prefix e.g. 'TagSpecification' or 'LaunchTemplateData.TagSpecification'). */
export function tagSpec(params: Record<string, string>, resourceType: string, prefix = 'TagSpecification'): Record<string, string> | undefined {
  for (const spec of members(params, prefix)) {
    if (spec.ResourceType !== resourceType) continue;
    const tags: Record<string, string> = {};
    for (const t of members(spec, 'Tag')) tags[t.Key!] = t.Value!;
    return tags;
  }
  return undefined;
}

const glob = (pattern: string, s: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(s);

function handle(state: Ec2State, action: string, p: Record<string, string>): string {
  const f = filters(p);
  switch (action) {
    case 'DescribeImages': {
      const owners = Object.entries(p).filter(([k]) => k.startsWith('Owner.')).map(([, v]) => v);
      const hits = state.images.filter((img) => {
        if (owners.length && !owners.some((o) => o === img.ownerId || (o === 'self' && img.ownerId === 'self'))) return false;
        for (const [name, values] of f) {
          if (name === 'name' && !values.some((v) => glob(v, img.name))) return false;
          if (name.startsWith('tag:') && !values.includes(img.tags?.[name.slice(4)] ?? '\0')) return false;
        }
        return true;
      });
      return respond(action, `<imagesSet>${hits.map((i) => `<item><imageId>${i.imageId}</imageId><name>${esc(i.name)}</name><creationDate>${i.creationDate}</creationDate><imageOwnerId>${i.ownerId}</imageOwnerId><imageState>available</imageState></item>`).join('')}</imagesSet>`);
    }
    case 'DescribeInstances': {
      const hits = state.instances.filter((i) => {
        for (const [name, values] of f) {
          if (name === 'instance-state-name' && !values.includes(i.state)) return false;
          if (name.startsWith('tag:') && !values.includes(i.tags[name.slice(4)] ?? '\0')) return false;
        }
        return true;
      });
      const items = hits.map((i) => `<item><instanceId>${i.instanceId}</instanceId><instanceState><code>16</code><name>${i.state}</name></instanceState>${i.privateIp ? `<privateIpAddress>${i.privateIp}</privateIpAddress>` : ''}${tagSet(i.tags)}</item>`);
      return respond(action, `<reservationSet>${hits.length ? `<item><reservationId>r-1</reservationId><ownerId>123456789012</ownerId><instancesSet>${items.join('')}</instancesSet></item>` : ''}</reservationSet>`);
    }
    case 'DescribeLaunchTemplates': {
      const names = f.get('launch-template-name');
      const hits = state.launchTemplates.filter((t) => !names || names.includes(t.name));
      return respond(action, `<launchTemplates>${hits.map((t) => `<item><launchTemplateId>${t.id}</launchTemplateId><launchTemplateName>${esc(t.name)}</launchTemplateName><latestVersionNumber>${t.versions}</latestVersionNumber><defaultVersionNumber>1</defaultVersionNumber>${tagSet(t.tags)}</item>`).join('')}</launchTemplates>`);
    }
    case 'CreateLaunchTemplate': {
      if (state.launchTemplates.some((t) => t.name === p.LaunchTemplateName)) throw new Ec2Fault('InvalidLaunchTemplateName.AlreadyExistsException', `Launch template name already in use.`);
      const t = { id: `lt-${String(state.launchTemplates.length + 1).padStart(17, '0')}`, name: p.LaunchTemplateName!, versions: 1, tags: tagSpec(p, 'launch-template') ?? {} };
      state.launchTemplates.push(t);
      return respond(action, `<launchTemplate><launchTemplateId>${t.id}</launchTemplateId><launchTemplateName>${esc(t.name)}</launchTemplateName><latestVersionNumber>1</latestVersionNumber><defaultVersionNumber>1</defaultVersionNumber></launchTemplate>`);
    }
    case 'CreateLaunchTemplateVersion': {
      const t = state.launchTemplates.find((x) => x.name === p.LaunchTemplateName);
      if (!t) throw new Ec2Fault('InvalidLaunchTemplateName.NotFoundException', 'not found');
      t.versions += 1;
      return respond(action, `<launchTemplateVersion><launchTemplateId>${t.id}</launchTemplateId><launchTemplateName>${esc(t.name)}</launchTemplateName><versionNumber>${t.versions}</versionNumber></launchTemplateVersion>`);
    }
    case 'RunInstances': {
      // EC2 semantics: a repeated ClientToken returns the instance it made, never a second one.
      let inst = state.instances.find((i) => i.clientToken === p.ClientToken);
      if (!inst) {
        inst = { instanceId: `i-${String(state.instances.length + 1).padStart(17, '0')}`, clientToken: p.ClientToken ?? '', privateIp: p.PrivateIpAddress, state: 'pending', tags: tagSpec(p, 'instance') ?? {} };
        state.instances.push(inst);
      }
      return respond(action, `<reservationId>r-1</reservationId><ownerId>123456789012</ownerId><instancesSet><item><instanceId>${inst.instanceId}</instanceId><instanceState><code>0</code><name>pending</name></instanceState>${inst.privateIp ? `<privateIpAddress>${inst.privateIp}</privateIpAddress>` : ''}</item></instancesSet>`);
    }
    default:
      throw new Ec2Fault('InvalidAction', `The action ${action} is not valid for this web service.`);
  }
}

class Ec2Fault extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export async function startEc2Server(state: Partial<Ec2State> = {}): Promise<Ec2Server> {
  const full: Ec2State = { images: [], instances: [], launchTemplates: [], ...state };
  const identity = newIdentityState();
  const requests: WireRequest[] = [];
  const secretOf = (key: string) => (key === ADMIN_KEY.accessKeyId ? ADMIN_KEY.secret : identity.issued.get(key)?.secret);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if ((req.url ?? '').startsWith('/latest/')) return handleImds(identity, req, res);
      const body = Buffer.concat(chunks);
      const auth = verifySigV4({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body }, secretOf);
      const key = auth.ok ? identity.issued.get(auth.accessKeyId) : undefined;
      // Temporary credentials are only valid with their session token (signed or not, as AWS allows).
      const tokenOk = !key || req.headers['x-amz-security-token'] === key.token;
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target.startsWith('secretsmanager.')) {
        const op = target.slice('secretsmanager.'.length);
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
        } catch {
          /* answered below as a validation error */
        }
        const params = Object.fromEntries(Object.entries(json).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
        requests.push({ action: op, service: 'secretsmanager', params, auth });
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        try {
          if (!auth.ok) throw new AwsFault('InvalidSignatureException', auth.reason);
          if (!tokenOk) throw new AwsFault('UnrecognizedClientException', 'The security token included in the request is invalid.');
          if (String(req.headers['content-type']) !== 'application/x-amz-json-1.1') throw new AwsFault('ValidationException', `unexpected content-type ${req.headers['content-type']}`);
          if (auth.service !== 'secretsmanager') throw new AwsFault('InvalidSignatureException', `credential scope service ${auth.service}`);
          const caller = { role: key?.role };
          try {
            const answer = handleSecretsManager(identity, op, json, auth.region, caller);
            if (key) identity.nodeCalls.push({ target: op, role: key.role, secretId: String(json.SecretId), allowed: true, signedHeaders: auth.signedHeaders, tokenHeader: req.headers['x-amz-security-token'] !== undefined });
            res.end(JSON.stringify(answer));
          } catch (e) {
            if (key) identity.nodeCalls.push({ target: op, role: key.role, secretId: String(json.SecretId), allowed: !(e instanceof AwsFault && e.code === 'AccessDeniedException'), signedHeaders: auth.signedHeaders, tokenHeader: true });
            throw e;
          }
        } catch (e) {
          const f = e instanceof AwsFault ? e : new AwsFault('InternalServiceError', String(e));
          res.statusCode = f.status;
          res.end(JSON.stringify({ __type: f.code, message: f.message }));
        }
        return;
      }
      const params = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
      const action = params.Action ?? '';
      delete params.Action;
      if (params.Version === '2010-05-08') {
        requests.push({ action, service: 'iam', params, auth });
        res.setHeader('content-type', 'text/xml');
        try {
          if (!auth.ok) throw new AwsFault('SignatureDoesNotMatch', auth.reason, 403);
          if (key) throw new AwsFault('AccessDenied', 'instance roles of kspray nodes have no IAM permissions', 403);
          res.end(handleIam(identity, action, params));
        } catch (e) {
          const f = e instanceof AwsFault ? e : new AwsFault('ServiceFailure', String(e), 500);
          res.statusCode = f.status;
          res.end(iamError(f));
        }
        return;
      }
      requests.push({ action, service: 'ec2', params, auth });
      res.setHeader('content-type', 'text/xml;charset=UTF-8');
      try {
        if (params.Version !== '2016-11-15') throw new Ec2Fault('InvalidParameterValue', `unexpected Version ${params.Version}`);
        if (!auth.ok || key) throw new Ec2Fault('AuthFailure', auth.ok ? 'node credentials may not call EC2' : auth.reason);
        res.end(handle(full, action, params));
      } catch (e) {
        const f = e instanceof Ec2Fault ? e : new Ec2Fault('InternalError', String(e));
        res.statusCode = 400;
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${f.code}</Code><Message>${esc(f.message)}</Message></Error></Errors><RequestID>req-1</RequestID></Response>`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    state: full,
    identity,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Environment for a child kspray: static test credentials, no metadata service, no profile files. */
export function awsTestEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('AWS_')) delete env[k];
  return {
    ...env,
    AWS_ACCESS_KEY_ID: ADMIN_KEY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ADMIN_KEY.secret,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/kspray-test-aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/kspray-test-aws-credentials',
  };
}
