// A loopback EC2 Query API server for the `kspray aws` tests: parses the form-encoded requests the
// SDK sends (Action, Version, Filter.1.Name, TagSpecification.1.Tag.1.Key, ...), records them, and
// answers with the XML shapes the SDK parses. Keeps just enough state to behave like EC2 for
// idempotency: instances by ClientToken and tags, launch templates by name with versions.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WireRequest {
  action: string;
  params: Record<string, string>;
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
  const requests: WireRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const action = params.Action ?? '';
      delete params.Action;
      requests.push({ action, params });
      res.setHeader('content-type', 'text/xml;charset=UTF-8');
      try {
        if (params.Version !== '2016-11-15') throw new Ec2Fault('InvalidParameterValue', `unexpected Version ${params.Version}`);
        if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 Credential=AKIDKSPRAYTEST/')) throw new Ec2Fault('AuthFailure', 'unexpected credentials');
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
    AWS_ACCESS_KEY_ID: 'AKIDKSPRAYTEST',
    AWS_SECRET_ACCESS_KEY: 'kspray-test-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/kspray-test-aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/kspray-test-aws-credentials',
  };
}
