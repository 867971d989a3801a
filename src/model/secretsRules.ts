// Named rules for spec.secrets (how nodes receive their private keys and bootstrap token) and for
// the URLs a node fetches secret material from. Run with the others by rules.ts; messages in
// errors/messages.ts.
import type { Problem } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import { IGNITION_OS, type ClusterSpec } from '../api/v1alpha1/types.js';
import { DEFAULTS } from './defaults.js';
import type { Rule } from './rule.js';

/** An https:// base URL without query or fragment (files are fetched under <base>/<node>/...). */
export const isHttpsUrlBase = (text: string): boolean => /^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(text);

const delivery = (spec: ClusterSpec) => spec.spec.secrets?.delivery ?? DEFAULTS.secrets.delivery;
function hasIgnitionNodes(spec: ClusterSpec): boolean {
  // Stryker disable ArrayDeclaration: a stray element has no os, reads as the default OS, and that is not an Ignition OS
  const nodes = spec.spec.nodes ?? [];
  const pools = spec.spec.pools ?? [];
  // Stryker restore ArrayDeclaration
  return [...nodes, ...pools].some((n) => (IGNITION_OS as readonly string[]).includes(n.os ?? DEFAULTS.node.os));
}

/**
 * True when Ignition nodes would fetch a full config that holds private keys or the bootstrap
 * token over plain http (inline delivery puts them in config.ign): sha512 guards its integrity,
 * not its secrecy. Also checks `render --ignition-url-base`.
 */
export const plainHttpConfigWithSecrets = (base: string | undefined, secretsDelivery: string, ignitionNodes: boolean): boolean =>
  base !== undefined && base.startsWith('http://') && secretsDelivery === 'inline' && ignitionNodes;

export const secretsRules: Rule[] = [
  {
    name: 'secrets-fetch-url',
    // The archives hold CA keys: they travel over TLS or not at all.
    check: (spec) => {
      const s = spec.spec.secrets;
      if (s?.delivery !== 'fetch') return []; // fetch is never the default
      if (s.urlBase === undefined) return [{ ...messages.secretsFetchNeedsUrl(), path: ['spec', 'secrets', 'delivery'] }];
      if (isHttpsUrlBase(s.urlBase)) return [];
      return [{ ...messages.secretsUrlNotHttps(s.urlBase), path: ['spec', 'secrets', 'urlBase'] }];
    },
  },
  {
    name: 'cloud-init-payload-url',
    // The payload archive is what user data would have held: keys and token with inline delivery.
    check: (spec) => {
      const base = spec.spec.cloudInit?.payloadUrlBase;
      if (base === undefined || isHttpsUrlBase(base)) return [];
      return [{ ...messages.payloadUrlNotHttps(base), path: ['spec', 'cloudInit', 'payloadUrlBase'] }];
    },
  },
  {
    name: 'secrets-fetch-settings',
    // urlBase and caCert mean nothing inline: kspray would silently ignore them.
    check: (spec) => {
      const s = spec.spec.secrets;
      if (delivery(spec) === 'fetch' || !s) return [];
      return (['urlBase', 'caCert'] as const).filter((k) => s[k] !== undefined).map((k) => ({ ...messages.secretsSettingNeedsFetch(k, delivery(spec)), path: ['spec', 'secrets', k], atKey: true }));
    },
  },
  {
    name: 'secrets-aws-provider',
    // The node authenticates to Secrets Manager with its EC2 instance role: elsewhere there is none.
    check: (spec) => {
      if (delivery(spec) !== 'aws-secrets-manager') return [];
      const provider = spec.spec.provider?.name ?? DEFAULTS.provider;
      return provider === 'aws' ? [] : [{ ...messages.secretsAwsNeedsProvider(provider), path: ['spec', 'secrets', 'delivery'] }];
    },
  },
  {
    name: 'secrets-ca-pem',
    check: (spec) => {
      const ca = spec.spec.secrets?.caCert;
      if (ca === undefined || /^-----BEGIN CERTIFICATE-----\n[^]*\n-----END CERTIFICATE-----$/.test(ca.trim())) return [];
      return [{ ...messages.secretsCaNotPem(), path: ['spec', 'secrets', 'caCert'] }];
    },
  },
  {
    name: 'ignition-config-url-secret',
    check: (spec): Problem[] =>
      plainHttpConfigWithSecrets(spec.spec.ignition?.configUrlBase, delivery(spec), hasIgnitionNodes(spec))
        ? [{ ...messages.ignitionUrlPlainHttp(spec.spec.ignition!.configUrlBase!), path: ['spec', 'ignition', 'configUrlBase'] }]
        : [],
  },
];
