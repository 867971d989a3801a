#!/usr/bin/env node
// Generates data/kubernetes/config-fields.json: the field names and JSON types of KubeletConfiguration
// (kubelet.config.k8s.io/v1beta1) and KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1),
// nested structs included, read from the upstream Go types at the tags listed in
// data/kubernetes/SOURCE.md. kspray checks spec.kubelet.config / spec.kubeProxy.config against it
// (src/model/componentConfig.ts), so the field list is upstream's, never retyped by hand.
//
// Usage: node scripts/build-config-fields.mjs DIR
//   DIR holds the upstream files under the names in FILES below, e.g. for kubelet:
//   git -C kubernetes/kubelet show v0.36.3:config/v1beta1/types.go > DIR/kubelet-config-v1beta1.go
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** file name in DIR → Go package alias the other files use for it. */
const FILES = {
  'kubelet-config-v1beta1.go': 'kubeletconfigv1beta1',
  'kube-proxy-config-v1alpha1.go': 'kubeproxyconfigv1alpha1',
  'component-base-config-v1alpha1.go': 'componentbaseconfigv1alpha1',
  'component-base-logs-api-v1.go': 'logsapi',
  'component-base-tracing-api-v1.go': 'tracingapi',
};

/**
 * Types from packages not vendored here (apimachinery, core/v1), by their JSON encoding. Taint's
 * fields are core/v1 Taint's json names (k8s.io/api core/v1 types.go).
 */
const EXTERNAL = {
  'metav1.Duration': 'duration',
  'metav1.Time': 'string',
  'resource.QuantityValue': 'quantity',
  'resource.Quantity': 'quantity',
  'v1.ResourceList': { map: 'quantity' },
  'v1.NodeConfigSource': 'any',
  'v1.Taint': { struct: 'Taint' },
  // component-base: a string duration or an integer of nanoseconds (custom UnmarshalJSON).
  TimeOrMetaDuration: 'durationOrInt',
};
const EXTERNAL_STRUCTS = { Taint: { key: 'string', value: 'string', effect: 'string', timeAdded: 'string' } };

const BASIC = {
  string: 'string',
  bool: 'bool',
  int: 'int',
  int32: 'int',
  int64: 'int',
  uint: 'int',
  uint32: 'int',
  uint64: 'int',
  float32: 'number',
  float64: 'number',
};

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/build-config-fields.mjs DIR (see the header)');
  process.exit(2);
}

/** name → { kind: 'struct', fields: [{goName, json, type, inline}] } | { kind: 'alias', type } */
const decls = new Map();
for (const [file] of Object.entries(FILES)) {
  const text = readFileSync(join(dir, file), 'utf8');
  parseGo(text, file);
}

function parseGo(text, file) {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const struct = /^type (\w+) struct \{\s*$/.exec(lines[i]);
    if (struct) {
      const fields = [];
      for (i++; i < lines.length && lines[i] !== '}'; i++) {
        // Comments: `// …` and one-line `/* … */` (the only block comment form in these files).
        const line = lines[i].replace(/\/\/.*$/, '').replace(/\/\*.*?\*\//g, '').trim();
        if (!line) continue;
        const named = /^([A-Z]\w*)\s+(\S+)\s+`json:"([^"]*)"[^`]*`/.exec(line);
        const embedded = /^(\S+)\s+`json:"([^"]*)"[^`]*`/.exec(line);
        const bare = /^([A-Z]\w*)\s+(\S+)$/.exec(line);
        if (named) fields.push({ goName: named[1], type: named[2], json: named[3].split(',')[0], inline: named[3].includes('inline') });
        else if (embedded) fields.push({ goName: embedded[1], type: embedded[1], json: embedded[2].split(',')[0], inline: true });
        else if (bare) fields.push({ goName: bare[1], type: bare[2], json: bare[1], inline: false, untagged: true });
        else throw new Error(`${file}:${i + 1}: cannot read struct field: ${lines[i]}`);
      }
      if (decls.has(struct[1])) throw new Error(`${file}: type ${struct[1]} declared twice across the files`);
      decls.set(struct[1], { kind: 'struct', fields });
      continue;
    }
    const alias = /^type (\w+) (\S+)\s*$/.exec(lines[i]);
    if (alias && alias[2] !== 'struct') decls.set(alias[1], { kind: 'alias', type: alias[2] });
  }
}

const aliases = new Set(Object.values(FILES));
const types = {};

function resolve(goType) {
  let t = goType.replace(/^\*/, '');
  if (t.startsWith('[]')) return { list: resolve(t.slice(2)) };
  const map = /^map\[string\](.+)$/.exec(t);
  if (map) return { map: resolve(map[1]) };
  if (EXTERNAL[t]) {
    const ext = EXTERNAL[t];
    if (ext.struct) types[ext.struct] = EXTERNAL_STRUCTS[ext.struct];
    return ext;
  }
  if (BASIC[t]) return BASIC[t];
  const dot = t.indexOf('.');
  if (dot > 0) {
    const pkg = t.slice(0, dot);
    if (!aliases.has(pkg)) throw new Error(`type ${goType}: package ${pkg} is not vendored and not in EXTERNAL`);
    t = t.slice(dot + 1);
  }
  if (EXTERNAL[t]) return EXTERNAL[t];
  const decl = decls.get(t);
  if (!decl) throw new Error(`type ${goType} not found`);
  if (decl.kind === 'alias') return resolve(decl.type);
  if (!(t in types)) {
    types[t] = null; // mark before recursing (self-referencing structs)
    types[t] = structFields(t);
  }
  return { struct: t };
}

function structFields(name) {
  const out = {};
  for (const f of decls.get(name).fields) {
    if (f.json === '-') continue;
    if (f.inline) {
      if (f.type.endsWith('TypeMeta')) continue; // apiVersion/kind: kspray writes them itself
      const inner = resolve(f.type);
      Object.assign(out, types[inner.struct]);
      continue;
    }
    if (f.untagged) throw new Error(`${name}.${f.goName} has no json tag`);
    out[f.json] = resolve(f.type);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const roots = {
  kubelet: { apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', type: resolve('KubeletConfiguration').struct },
  kubeProxy: { apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration', type: resolve('KubeProxyConfiguration').struct },
};
const sortedTypes = Object.fromEntries(Object.entries(types).sort(([a], [b]) => (a < b ? -1 : 1)));
const out = new URL('../data/kubernetes/config-fields.json', import.meta.url);
writeFileSync(out, `${JSON.stringify({ note: 'Generated by scripts/build-config-fields.mjs from the upstream types in SOURCE.md; do not edit.', roots, types: sortedTypes }, null, 2)}\n`);
console.log(`wrote ${out.pathname}: ${Object.keys(sortedTypes).length} types`);
