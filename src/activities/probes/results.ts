import type { ProbeResult } from '../../domain/probe';

/** `up`, or `degraded` when slower than the target's threshold. `what` says what took that long: "connected". */
export function judgeLatency(latencyMs: number, degradedAboveMs: number | undefined, what: string, statusCode?: number): ProbeResult {
  const status = statusCode === undefined ? {} : { statusCode };
  if (degradedAboveMs !== undefined && latencyMs > degradedAboveMs) {
    return { outcome: 'degraded', latencyMs, ...status, error: `${what} in ${latencyMs} ms, above ${degradedAboveMs} ms` };
  }
  return { outcome: 'up', latencyMs, ...status };
}

/** OpenSSL's certificate verification codes, and Node's own (hostname mismatch). */
const CERTIFICATE_REJECTED = /^(CERT_|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED_CERT|UNABLE_TO_(GET|VERIFY|DECRYPT|DECODE)|INVALID_CA|ERR_TLS_CERT_)/;

/** What went wrong with a connection, in words an operator reads in a status page. */
export function describeFailure(err: unknown): string {
  // Happy eyeballs (several addresses tried) fails with an AggregateError: its first attempt tells the story.
  if (err instanceof AggregateError && err.errors.length > 0 && !err.message) return describeFailure(err.errors[0]);
  const failure = err as NodeJS.ErrnoException;
  if (failure?.name === 'ProbeRefusedError') return failure.message;
  const code = failure?.code ?? '';
  if (CERTIFICATE_REJECTED.test(code)) return `TLS certificate rejected: ${failure.message} (${code})`;
  if (code.startsWith('ERR_SSL_')) return `TLS handshake failed: ${failure.message}`;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'EHOSTUNREACH':
      return 'host unreachable';
    case 'ENETUNREACH':
      return 'network unreachable';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `DNS lookup failed (${code})`;
    default:
      return code ? `${code}: ${failure.message}` : String(failure?.message ?? err);
  }
}
