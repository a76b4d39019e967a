import type { RequestHandler } from 'express';

/**
 * Headers for a JSON API that no browser should render, frame or sniff (what helmet sets, minus what only matters
 * for HTML). HSTS only counts behind TLS, where it should: browsers ignore it over plain HTTP. The one HTML answer,
 * a status page, replaces the Content-Security-Policy with its own, as strict (src/api/public/html.ts).
 */
const HEADERS = {
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Strict-Transport-Security': 'max-age=31536000',
};

export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set(HEADERS);
  next();
};
