// A local HTTP server that speaks the few Kubernetes API endpoints kspray's lifecycle commands use,
// well enough for the real /usr/bin/kubectl (discovery, get/list with field selectors, create,
// strategic-merge/merge/server-side-apply patches, delete, pod eviction). Plain HTTP on 127.0.0.1:
// kubectl talks to it through a kubeconfig with `server: http://127.0.0.1:<port>`.
//
// It records every request (method, path, query, content type, parsed body) so tests assert the
// wire-level sequence, and calls `onChange` after each write so a test can play the cluster's part
// (a Job succeeding, a kubelet reporting a new version). The store is plain objects the test reads
// and edits directly.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Obj = Record<string, any>;

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  body?: Obj;
}

interface ResourceType {
  /** Plural name in the URL. */
  plural: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
}

const RW = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const TYPES: ResourceType[] = [
  { plural: 'nodes', kind: 'Node', group: '', version: 'v1', namespaced: false, verbs: RW, shortNames: ['no'] },
  { plural: 'pods', kind: 'Pod', group: '', version: 'v1', namespaced: true, verbs: RW, shortNames: ['po'] },
  { plural: 'secrets', kind: 'Secret', group: '', version: 'v1', namespaced: true, verbs: RW },
  { plural: 'configmaps', kind: 'ConfigMap', group: '', version: 'v1', namespaced: true, verbs: RW, shortNames: ['cm'] },
  { plural: 'namespaces', kind: 'Namespace', group: '', version: 'v1', namespaced: false, verbs: RW, shortNames: ['ns'] },
  { plural: 'jobs', kind: 'Job', group: 'batch', version: 'v1', namespaced: true, verbs: RW },
  { plural: 'daemonsets', kind: 'DaemonSet', group: 'apps', version: 'v1', namespaced: true, verbs: RW, shortNames: ['ds'] },
];
const GROUPS = ['batch', 'apps', 'policy'];

export interface KubeApiServer {
  url: string;
  port: number;
  /** A kubeconfig file pointing at the server (no credentials: the server checks none). */
  kubeconfig: string;
  requests: RecordedRequest[];
  /** Requests other than discovery (/api, /apis, /version, /openapi): what the command did. */
  calls(): RecordedRequest[];
  /** Objects by plural, "namespace/name" (cluster-scoped: "name"). */
  store: Map<string, Map<string, Obj>>;
  get(plural: string, name: string, namespace?: string): Obj | undefined;
  put(plural: string, obj: Obj): Obj;
  /** Called for every request once recorded, before it is answered (a test can change the store first). */
  onRequest?: (req: RecordedRequest) => void;
  /** Called after every successful write (create, patch, delete, eviction). */
  onChange?: (event: { verb: 'create' | 'patch' | 'delete'; plural: string; obj: Obj }) => void;
  close(): Promise<void>;
}

const typeOf = (plural: string) => TYPES.find((t) => t.plural === plural)!;
const apiVersionOf = (t: ResourceType) => (t.group ? `${t.group}/${t.version}` : t.version);
const keyOf = (obj: Obj, t: ResourceType) => (t.namespaced ? `${obj.metadata?.namespace ?? 'default'}/${obj.metadata.name}` : obj.metadata.name);

function status(code: number, reason: string, message: string): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 400 ? 'Success' : 'Failure', message, reason, code };
}

/** RFC 7386 merge (also right for the strategic merge patches kubectl sends to these objects: no keyed lists). */
function merge(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Obj = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue; // strategic-merge directives ($retainKeys, $setElementOrder...)
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

function fieldValue(obj: Obj, path: string): string {
  return String(path.split('.').reduce<any>((o, k) => (o === undefined || o === null ? undefined : o[k]), obj) ?? '');
}

/** fieldSelector / labelSelector with =, == and != terms. */
function matches(obj: Obj, fieldSelector?: string, labelSelector?: string): boolean {
  const test = (sel: string | undefined, value: (k: string) => string) =>
    (sel ?? '')
      .split(',')
      .filter(Boolean)
      .every((term) => {
        const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(term);
        if (!m) return true;
        return m[2] === '!=' ? value(m[1]!) !== m[3] : value(m[1]!) === m[3];
      });
  return test(fieldSelector, (k) => fieldValue(obj, k)) && test(labelSelector, (k) => String(obj.metadata?.labels?.[k] ?? ''));
}

/**
 * OpenAPI v3, only as far as kubectl reads it before apply: the PATCH operation of each kind with
 * its fieldValidation parameter, so kubectl leaves validation to the server (as it does against
 * a real apiserver) instead of downloading schemas.
 */
function openapi(path: string): Obj | undefined {
  const gvPath = (g: string) => (g ? `apis/${g}/v1` : 'api/v1');
  if (path === '/openapi/v3') {
    return { paths: Object.fromEntries(['', ...GROUPS].map((g) => [gvPath(g), { serverRelativeURL: `/openapi/v3/${gvPath(g)}?hash=1` }])) };
  }
  const g = ['', ...GROUPS].find((x) => path === `/openapi/v3/${gvPath(x)}`);
  if (g === undefined) return undefined;
  const paths = Object.fromEntries(
    TYPES.filter((t) => t.group === g).map((t) => [
      `/${gvPath(g)}/${t.namespaced ? 'namespaces/{namespace}/' : ''}${t.plural}/{name}`,
      {
        patch: {
          'x-kubernetes-action': 'patch',
          'x-kubernetes-group-version-kind': { group: g, version: 'v1', kind: t.kind },
          parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }],
          responses: {},
        },
      },
    ]),
  );
  return { openapi: '3.0.0', info: { title: 'kspray test server', version: 'v1' }, paths, components: { schemas: {} } };
}

function discovery(port: number, path: string): Obj | undefined {
  const doc = openapi(path);
  if (doc) return doc;
  if (path === '/version') return { major: '1', minor: '35', gitVersion: 'v1.35.0', platform: 'linux/amd64' };
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }] };
  if (path === '/apis') {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: GROUPS.map((g) => ({ name: g, versions: [{ groupVersion: `${g}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${g}/v1`, version: 'v1' } })),
    };
  }
  const gv = path === '/api/v1' ? '' : /^\/apis\/([^/]+)\/v1$/.exec(path)?.[1];
  if (gv === undefined) return undefined;
  const resources: Obj[] = TYPES.filter((t) => t.group === gv).map((t) => ({
    name: t.plural,
    singularName: t.kind.toLowerCase(),
    namespaced: t.namespaced,
    kind: t.kind,
    verbs: t.verbs,
    ...(t.shortNames ? { shortNames: t.shortNames } : {}),
  }));
  // kubectl drain looks for this subresource (and its group/version) before it evicts.
  if (gv === '') resources.push({ name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv ? `${gv}/v1` : 'v1', resources };
}

/** Parses /api/v1/[namespaces/NS/]PLURAL[/NAME[/SUB]] and /apis/G/v1/... */
function route(path: string): { type: ResourceType; namespace?: string; name?: string; sub?: string } | undefined {
  const m = /^\/(?:api\/v1|apis\/([^/]+)\/v1)\/(.*)$/.exec(path);
  if (!m) return undefined;
  const group = m[1] ?? '';
  let parts = m[2]!.split('/').filter(Boolean);
  let namespace: string | undefined;
  if (parts[0] === 'namespaces' && parts.length >= 3) {
    namespace = parts[1];
    parts = parts.slice(2);
  }
  const type = TYPES.find((t) => t.plural === parts[0] && t.group === group);
  if (!type) return undefined;
  return { type, namespace, name: parts[1], sub: parts[2] };
}

export async function startKubeApiServer(): Promise<KubeApiServer> {
  const store = new Map<string, Map<string, Obj>>(TYPES.map((t) => [t.plural, new Map()]));
  let resourceVersion = 1000;
  const requests: RecordedRequest[] = [];
  let api!: KubeApiServer;

  const stamp = (obj: Obj, t: ResourceType): Obj => {
    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    obj.metadata = { ...obj.metadata };
    if (t.namespaced) obj.metadata.namespace ??= 'default';
    obj.metadata.uid ??= randomUUID();
    obj.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    obj.metadata.resourceVersion = String(++resourceVersion);
    return obj;
  };

  const put = (plural: string, obj: Obj): Obj => {
    const t = typeOf(plural);
    const stored = stamp(structuredClone(obj), t);
    store.get(plural)!.set(keyOf(stored, t), stored);
    return stored;
  };

  function handle(req: IncomingMessage, body: string, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (code: number, obj: Obj) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    const contentType = req.headers['content-type'];
    let parsed: Obj | undefined;
    if (body) {
      try {
        parsed = JSON.parse(body) as Obj;
      } catch {
        return send(400, status(400, 'BadRequest', 'the test server takes JSON bodies only'));
      }
    }
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), contentType, body: parsed };
    requests.push(recorded);
    api.onRequest?.(recorded);

    const disc = req.method === 'GET' ? discovery(api.port, url.pathname) : undefined;
    if (disc) return send(200, disc);
    const r = route(url.pathname);
    if (!r) return send(404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
    const { type } = r;
    const objects = store.get(type.plural)!;
    const key = r.name && (type.namespaced ? `${r.namespace ?? 'default'}/${r.name}` : r.name);
    const notFound = () => send(404, { ...status(404, 'NotFound', `${type.plural} "${r.name}" not found`), details: { name: r.name, kind: type.plural } });
    const changed = (verb: 'create' | 'patch' | 'delete', obj: Obj) => api.onChange?.({ verb, plural: type.plural, obj });

    if (req.method === 'GET' && !key) {
      if (url.searchParams.get('watch') === 'true') return send(400, status(400, 'BadRequest', 'the test server does not watch'));
      const items = [...objects.values()].filter(
        (o) => (!r.namespace || o.metadata.namespace === r.namespace) && matches(o, url.searchParams.get('fieldSelector') ?? undefined, url.searchParams.get('labelSelector') ?? undefined),
      );
      return send(200, { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: { resourceVersion: String(resourceVersion) }, items });
    }
    if (req.method === 'GET') {
      const o = objects.get(key!);
      return o ? send(200, o) : notFound();
    }
    if (req.method === 'POST' && r.sub === 'eviction' && type.plural === 'pods') {
      const o = objects.get(key!);
      if (!o) return notFound();
      objects.delete(key!);
      changed('delete', o);
      return send(201, status(201, '', 'evicted'));
    }
    if (req.method === 'POST' && !key) {
      if (!parsed?.metadata?.name) return send(422, status(422, 'Invalid', 'metadata.name is required'));
      const obj = { ...parsed, metadata: { ...parsed.metadata, namespace: type.namespaced ? (r.namespace ?? parsed.metadata.namespace) : undefined } };
      if (objects.has(keyOf(obj, type))) return send(409, status(409, 'AlreadyExists', `${type.plural} "${obj.metadata.name}" already exists`));
      if (url.searchParams.get('dryRun')) return send(201, stamp(structuredClone(obj), type));
      const stored = put(type.plural, obj);
      changed('create', stored);
      return send(201, stored);
    }
    if (req.method === 'PATCH' && key && parsed) {
      const existing = objects.get(key);
      if (contentType?.startsWith('application/apply-patch')) {
        // Server-side apply: the applied configuration over what is there (no field ownership).
        const stored = put(type.plural, merge(existing ?? {}, { ...parsed, metadata: { ...parsed.metadata, namespace: r.namespace } }));
        changed(existing ? 'patch' : 'create', stored);
        return send(existing ? 200 : 201, stored);
      }
      if (!existing) return notFound();
      if (contentType?.startsWith('application/json-patch')) return send(415, status(415, 'UnsupportedMediaType', 'JSON patch is not supported by the test server'));
      const stored = put(type.plural, { ...merge(existing, parsed), metadata: { ...merge(existing.metadata, parsed.metadata ?? {}), uid: existing.metadata.uid } });
      changed('patch', stored);
      return send(200, stored);
    }
    if (req.method === 'DELETE' && key) {
      const o = objects.get(key);
      if (!o) return notFound();
      objects.delete(key);
      changed('delete', o);
      return send(200, o);
    }
    return send(405, status(405, 'MethodNotAllowed', `${req.method} ${url.pathname} is not supported by the test server`));
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handle(req, Buffer.concat(chunks).toString('utf8'), res);
      } catch (e) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(status(500, 'InternalError', String(e))));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'kspray-kubeapi-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: ${url}
users:
- name: test
  user: {}
contexts:
- name: test
  context: { cluster: test, user: test }
current-context: test
`,
  );
  api = {
    url,
    port,
    kubeconfig,
    requests,
    calls: () => requests.filter((q) => !/^\/(api|apis|version|openapi)(\/|$)/.test(q.path) || route(q.path) !== undefined),
    store,
    get: (plural, name, namespace) => store.get(plural)!.get(typeOf(plural).namespaced ? `${namespace ?? 'default'}/${name}` : name),
    put,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return api;
}

/** A Ready node as a kubelet registers it. */
export function readyNode(name: string, kubeletVersion: string, labels: Record<string, string> = {}): Obj {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...labels } },
    spec: {},
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      nodeInfo: { kubeletVersion: `v${kubeletVersion.replace(/^v/, '')}`, architecture: 'amd64', operatingSystem: 'linux' },
    },
  };
}

/** A running pod on a node, optionally owned by a DaemonSet (drain skips those with --ignore-daemonsets). */
export function runningPod(namespace: string, name: string, nodeName: string, daemonSet?: string): Obj {
  return {
    metadata: {
      name,
      namespace,
      ...(daemonSet ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: daemonSet, uid: randomUUID(), controller: true }] } : {}),
    },
    spec: { nodeName, containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] },
    status: { phase: 'Running' },
  };
}
