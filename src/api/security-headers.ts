/**
 * Security headers on every answer of the hub's HTTP server (API, admin UI at /, the app at /app/):
 * a Content-Security-Policy that runs only the hub's own scripts (no inline script, no eval), lets no
 * other site frame the pages (clickjacking), sends no path of the hub to other sites, and forbids
 * content-type sniffing. What the UI needs beyond 'self': MapLibre builds its workers from blob: URLs and
 * draws data:/blob: images, lit-html and bpmn-js set style attributes, and an external base map
 * (MAP_STYLE_URL, MAP_TILE_URL) is fetched from its own origin.
 */
import type { Middleware } from 'koa';
import type { Config } from '../config.ts';

const originOf = (url: string | undefined) => {
  if (!url) return [];
  // A tile template's {z}/{x}/{y} are not part of the origin.
  const origin = new URL(url.replace(/[{}]/g, '')).origin;
  return origin === 'null' ? [] : [origin];
};

/** The policy for this configuration (the base map's origins added when one is configured). */
export function contentSecurityPolicy(config: Pick<Config, 'MAP_STYLE_URL' | 'MAP_TILE_URL'>): string {
  const map = [...new Set([...originOf(config.MAP_STYLE_URL), ...originOf(config.MAP_TILE_URL)])];
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:', ...map],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", ...map],
    'worker-src': ["'self'", 'blob:'],
    'manifest-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/** Koa middleware setting the headers before anything answers (errors and files included). */
export function securityHeaders(config: Pick<Config, 'MAP_STYLE_URL' | 'MAP_TILE_URL'>): Middleware {
  const csp = contentSecurityPolicy(config);
  return async (ctx, next) => {
    ctx.set('Content-Security-Policy', csp);
    // For browsers without frame-ancestors.
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'strict-origin-when-cross-origin');
    ctx.set('X-Content-Type-Options', 'nosniff');
    await next();
  };
}
