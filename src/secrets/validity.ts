// Certificate lifetimes. The only clock is the bundle's: CA dates come from `now` at creation and
// leaf dates from their key's createdAt, so re-rendering later gives the same certificates.

/** kubeadm's CertificateBackdate: a node whose clock is a little behind still accepts the cert. */
export const BACKDATE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

export function caValidity(now: Date, days: number): Validity {
  return { notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + days * DAY_MS) };
}

/** Never past the CA's own expiry: a leaf outliving its issuer would only fail later and more confusingly. */
export function leafValidity(keyCreatedAt: Date, days: number, caNotAfter: Date): Validity {
  const notBefore = new Date(keyCreatedAt.getTime() - BACKDATE_MS);
  const notAfter = new Date(Math.min(notBefore.getTime() + days * DAY_MS, caNotAfter.getTime()));
  return { notBefore, notAfter };
}
