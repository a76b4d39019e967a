import type { SecureContext } from 'node:tls';
import type { AddressGuard } from './address-guard';

/** What every probe is given by the activity that runs it. */
export interface ProbeDeps {
  guard: AddressGuard;
  /** Aborts the probe because the activity was cancelled; a timeout is a result instead. */
  signal?: AbortSignal;
  /**
   * The certificate authorities https probes trust, as a TLS context. Left out (as in production today), Node's
   * bundled roots and NODE_EXTRA_CA_CERTS apply, unweakened; a context with a private CA lets probes verify a
   * private PKI, as the tests do with their own CA. Hostname checks and expiry apply either way.
   */
  tlsContext?: SecureContext;
}
