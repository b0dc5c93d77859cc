import type { IncomingMessage, ServerResponse } from 'node:http';

interface PathMethods {
  pattern: RegExp;
  allow: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** `/trips/{id}/positions` → `^/trips/[^/]+/positions/?$` */
function pathPattern(template: string): RegExp {
  const source = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${source}/?$`);
}

/**
 * The methods the OpenAPI document gives each path, for the 405 answer; a GET path also answers HEAD, as Express does.
 * Literal paths first, so `/routes/generate` is not taken for `/routes/{id}`.
 */
export function documentedMethods(paths: Record<string, object>): PathMethods[] {
  const templates = Object.keys(paths).sort((a, b) => Number(a.includes('{')) - Number(b.includes('{')));
  return templates.map((template) => {
    const methods = Object.keys(paths[template] ?? {})
      .filter((m) => METHODS.includes(m))
      .map((m) => m.toUpperCase());
    if (methods.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD');
    return { pattern: pathPattern(template), allow: methods.join(', ') };
  });
}

/**
 * Answers 405 with an Allow header when a documented path is asked with a method the document does not give it;
 * undocumented paths go on (to a 404). OPTIONS stays with CORS. Installed before the routes.
 */
export function methodNotAllowed(paths: Record<string, object>) {
  const known = documentedMethods(paths);
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const method = (req.method ?? 'GET').toUpperCase();
    if (method === 'OPTIONS') {
      next();
      return;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const match = known.find((k) => k.pattern.test(path));
    if (!match || match.allow.split(', ').includes(method)) {
      next();
      return;
    }
    const body = { statusCode: 405, error: 'Method Not Allowed', message: `${method} is not allowed on ${path}; allowed: ${match.allow}` };
    res.writeHead(405, { allow: match.allow, 'content-type': 'application/json; charset=utf-8' });
    res.end(method === 'HEAD' ? undefined : JSON.stringify(body));
  };
}
