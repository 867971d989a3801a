// schema/cluster.schema.json is generated from the zod spec (src/api/v1alpha1/types.ts) and committed so
// editors can use it; this keeps it current (UPDATE_GOLDEN=1 rewrites it) and checks with ajv that
// it accepts the real example specs and refuses what loadSpec refuses.
import { readFileSync, writeFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { specJsonSchema } from '../src/api/v1alpha1/types.js';

const SCHEMA_FILE = new URL('../schema/cluster.schema.json', import.meta.url);
const expected = `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
if (process.env.UPDATE_GOLDEN === '1') writeFileSync(SCHEMA_FILE, expected);

test('schema/cluster.schema.json equals specJsonSchema()', () => {
  const actual = readFileSync(SCHEMA_FILE, 'utf8');
  expect(actual, 'schema/cluster.schema.json is stale: run UPDATE_GOLDEN=1 npx vitest run test/schema.test.ts').toBe(expected);
});

describe('the editor schema, checked by ajv (draft 2020-12)', () => {
  // The committed file, as editors see it (not specJsonSchema(): the test above ties the two).
  let schema: Record<string, unknown>;
  let validate: ValidateFunction;
  beforeAll(() => {
    schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
    validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
  });
  const errors = () => (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  const example = (name: string) =>
    parse(readFileSync(new URL(`../examples/${name}/cluster.yaml`, import.meta.url), 'utf8')) as Record<string, unknown>;

  test('declares draft 2020-12 and the kspray $id', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe('https://kspray.dev/schemas/v1alpha1/cluster.json');
  });

  test.each(['single', 'ha'])('accepts examples/%s/cluster.yaml', (name) => {
    const ok = validate(example(name));
    expect(errors()).toEqual([]);
    expect(ok).toBe(true);
  });

  test('refuses an unknown key', () => {
    const spec = example('single');
    (spec.spec as Record<string, Record<string, unknown>>).kubernetes!.verison = '1.36.4';
    expect(validate(spec)).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({
        instancePath: '/spec/kubernetes',
        keyword: 'additionalProperties',
        params: { additionalProperty: 'verison' },
      }),
    );
  });

  test('refuses an unquoted version number and a bad enum value', () => {
    const spec = example('single');
    const k = (spec.spec as Record<string, Record<string, unknown>>).kubernetes!;
    k.version = 1.35;
    k.proxyMode = 'ipvsx';
    expect(validate(spec)).toBe(false);
    expect(validate.errors!.map((e: ErrorObject) => `${e.instancePath} ${e.keyword}`).sort()).toEqual([
      '/spec/kubernetes/proxyMode enum',
      '/spec/kubernetes/version type',
    ]);
  });

  test('refuses a node without an address and a wrong apiVersion', () => {
    const spec = example('single');
    spec.apiVersion = 'kspray.dev/v1beta1';
    delete ((spec.spec as Record<string, unknown[]>).nodes![0] as Record<string, unknown>).address;
    expect(validate(spec)).toBe(false);
    expect(validate.errors!.map((e: ErrorObject) => `${e.instancePath} ${e.keyword}`).sort()).toEqual(['/apiVersion const', '/spec/nodes/0 required']);
  });
});
