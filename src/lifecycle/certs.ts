// `kspray certs check`: the expiry of every certificate the bundle gives the cluster, CAs and leafs.
// Leaf certificates are issued deterministically from the bundle (a leaf's dates follow its key's
// createdAt), so re-issuing them here yields exactly the certificates `kspray render` put on the
// nodes, as long as pki.certValidityDays has not changed since.
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { IssuedCertificate } from '../secrets/types.js';
import { reportHeader, reportJsonSchema } from '../text/jsonReport.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export type ExpiryStatus = 'ok' | 'expiring' | 'expired';

export interface CertExpiry {
  name: string;
  issuer: IssuedCertificate['issuer'];
  subject: string;
  notAfter: Date;
  /** Whole days from `now` to notAfter, rounded down; negative once expired. */
  daysLeft: number;
  status: ExpiryStatus;
}

/** Node 20's X509Certificate has validTo as text ("Jan  1 00:00:00 2027 GMT"), which Date parses. */
function notAfterOf(pem: string): { notAfter: Date; subject: string } {
  const cert = new X509Certificate(pem);
  const notAfter = new Date(cert.validTo);
  if (Number.isNaN(notAfter.getTime())) throw new Error(`certs: cannot read validTo "${cert.validTo}"`);
  return { notAfter, subject: cert.subject.replaceAll('\n', ', ') };
}

/** CAs first, then leafs, each in issuing order; `expiring` means fewer than warnDays left. */
export function certExpiries(certs: IssuedCertificate[], now: Date, warnDays: number): CertExpiry[] {
  return certs.map((c) => {
    const { notAfter, subject } = notAfterOf(c.pem);
    const msLeft = notAfter.getTime() - now.getTime();
    const daysLeft = Math.floor(msLeft / DAY_MS);
    const status: ExpiryStatus = msLeft <= 0 ? 'expired' : daysLeft < warnDays ? 'expiring' : 'ok';
    return { name: c.name, issuer: c.issuer, subject, notAfter, daysLeft, status };
  });
}

export function formatExpiryTable(rows: CertExpiry[]): string {
  const header = ['NAME', 'ISSUER', 'NOT AFTER (UTC)', 'DAYS LEFT', 'STATUS'];
  const body = rows.map((r) => [r.name, r.issuer === 'self' ? 'self (CA)' : r.issuer, isoSeconds(r.notAfter), String(r.daysLeft), r.status]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return `${[line(header), ...body.map(line)].join('\n')}\n`;
}

const ISSUERS = ['self', 'ca', 'front-proxy-ca', 'etcd-ca'] as const satisfies readonly IssuedCertificate['issuer'][];
/** Seconds precision, as the table prints it (certificates carry no milliseconds). */
const isoSeconds = (d: Date) => d.toISOString().replace('.000Z', 'Z');

/** `kspray certs check --output json` (schema/certs-check.schema.json). */
export const certsCheckReportSchema = z.object({
  ...reportHeader('CertsCheck'),
  cluster: z.string(),
  at: z.iso.datetime().describe('The moment the days are counted from (now, or --at).'),
  warnDays: z.number().int().nonnegative().describe('A certificate with fewer days left is "expiring".'),
  certificates: z.array(
    z.object({
      name: z.string().describe('A CA ("ca", "front-proxy-ca", "etcd-ca") or a leaf as <node>/<cert> ("cp-1/apiserver").'),
      issuer: z.enum(ISSUERS).describe('"self" for a CA.'),
      subject: z.string(),
      notAfter: z.iso.datetime(),
      daysLeft: z.number().int().describe('Whole days left, rounded down; negative once expired.'),
      status: z.enum(['ok', 'expiring', 'expired']),
    }),
  ).describe('CAs first, then leafs, in issuing order.'),
  notOk: z.number().int().nonnegative().describe('Certificates expiring or expired: the command exits 1 when this is not 0.'),
});
export type CertsCheckReport = z.infer<typeof certsCheckReportSchema>;

export function certsCheckReport(cluster: string, rows: CertExpiry[], at: Date, warnDays: number): CertsCheckReport {
  return {
    apiVersion: 'kspray.dev/v1alpha1',
    kind: 'CertsCheck',
    cluster,
    at: at.toISOString(),
    warnDays,
    certificates: rows.map((r) => ({ name: r.name, issuer: r.issuer, subject: r.subject, notAfter: isoSeconds(r.notAfter), daysLeft: r.daysLeft, status: r.status })),
    notOk: rows.filter((r) => r.status !== 'ok').length,
  };
}

export const certsCheckJsonSchema = () => reportJsonSchema(certsCheckReportSchema, 'certs-check', 'kspray certs check --output json (v1alpha1)');

export interface RenewSelection {
  /** Only these leaf names (default: every leaf). */
  only?: string[];
  /** Only leafs with fewer days left than this. */
  expiringWithinDays?: number;
}

/**
 * Leaf names `kspray certs renew` renews: never a CA (CAs are fixed for the bundle's life).
 * Returns unknown names separately so the CLI can refuse them.
 */
export function selectRenewals(rows: CertExpiry[], sel: RenewSelection): { names: string[]; unknown: string[]; cas: string[] } {
  const leafs = rows.filter((r) => r.issuer !== 'self');
  const cas = (sel.only ?? []).filter((n) => rows.some((r) => r.name === n && r.issuer === 'self'));
  const unknown = (sel.only ?? []).filter((n) => !rows.some((r) => r.name === n));
  const names = leafs
    .filter((r) => !sel.only || sel.only.includes(r.name))
    .filter((r) => sel.expiringWithinDays === undefined || r.daysLeft < sel.expiringWithinDays)
    .map((r) => r.name);
  return { names, unknown, cas };
}
