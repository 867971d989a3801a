// One spec per spec.secrets rule (src/model/secretsRules.ts), in rule order, for rules.test.ts's
// "one spec per rule" table. Line and column are found in the text itself (the first occurrence of
// the token), so they say where the caret must land independently of the locator under test.
import { HEAD } from '../helpers/specErrors.js';

const CP1 = '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }';
const FLATCAR = '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane], os: flatcar }';
const doc = (...body: string[]) => `${HEAD}${body.join('\n')}\n`;

function secretsCase(rule: string, lines: string[], node: string, token: string, message: string | RegExp) {
  const text = doc(...lines, '  nodes:', node);
  const all = text.split('\n');
  const line = all.findIndex((l) => l.includes(token));
  return { rule, text, line: line + 1, col: all[line]!.indexOf(token) + 1, token, message };
}

export const SECRETS_RULE_CASES = [
  secretsCase(
    'secrets-fetch-url',
    ['  secrets:', '    delivery: fetch', '    urlBase: http://boot.example/demo'],
    CP1,
    'http://boot.example/demo',
    /^spec\.secrets\.urlBase "http:\/\/boot\.example\/demo" is plain http: the archives hold private keys/,
  ),
  secretsCase(
    'cloud-init-payload-url',
    ['  cloudInit:', '    payloadUrlBase: http://boot.example/demo'],
    CP1,
    'http://boot.example/demo',
    /^spec\.cloudInit\.payloadUrlBase "http:\/\/boot\.example\/demo" is not an https:\/\/ URL without query or fragment: a payload archive holds/,
  ),
  secretsCase('secrets-fetch-settings', ['  secrets:', '    urlBase: https://boot.example/demo'], CP1, 'urlBase', /^spec\.secrets\.urlBase is only read with delivery: fetch/),
  secretsCase(
    'secrets-aws-provider',
    ['  secrets:', '    delivery: aws-secrets-manager'],
    CP1,
    'aws-secrets-manager',
    /^spec\.secrets\.delivery aws-secrets-manager needs spec\.provider\.name aws \(it is baremetal\)/,
  ),
  secretsCase(
    'secrets-ca-pem',
    ['  secrets:', '    delivery: fetch', '    urlBase: https://boot.example/demo', '    caCert: not-a-certificate'],
    CP1,
    'not-a-certificate',
    /^spec\.secrets\.caCert is not PEM certificate text/,
  ),
  secretsCase(
    'ignition-config-url-secret',
    ['  ignition:', '    configUrlBase: http://boot.example/ignition'],
    FLATCAR,
    'http://boot.example/ignition',
    /^Ignition config URL base "http:\/\/boot\.example\/ignition" is plain http, and with spec\.secrets\.delivery inline each config\.ign holds the bootstrap token/,
  ),
];
