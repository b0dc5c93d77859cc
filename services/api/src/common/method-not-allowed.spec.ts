import { describe, expect, it } from 'vitest';
import { methodNotAllowed } from './method-not-allowed';

const paths = {
  '/trips': { get: {}, post: {} },
  '/trips/{id}': { get: {}, delete: {} },
  '/routes/{id}': { get: {} },
  '/routes/generate': { post: {} },
};

function ask(method: string, url: string): { next: boolean; status?: number; allow?: string; body?: string } {
  const out: { next: boolean; status?: number; allow?: string; body?: string } = { next: false };
  const res = {
    writeHead(status: number, headers: Record<string, string>) {
      out.status = status;
      out.allow = headers.allow;
      return res;
    },
    end(body?: string) {
      out.body = body;
    },
  };
  methodNotAllowed(paths)({ method, url } as never, res as never, () => (out.next = true));
  return out;
}

describe('methodNotAllowed', () => {
  it('answers 405 with the documented methods in Allow', () => {
    expect(ask('PATCH', '/trips?limit=3')).toMatchObject({ next: false, status: 405, allow: 'GET, POST, HEAD' });
    expect(ask('PUT', '/trips/abc')).toMatchObject({ status: 405, allow: 'GET, DELETE, HEAD' });
    expect(JSON.parse(ask('PUT', '/trips/abc').body!)).toMatchObject({ statusCode: 405, error: 'Method Not Allowed' });
  });

  it('lets documented methods, OPTIONS and undocumented paths through', () => {
    expect(ask('GET', '/trips').next).toBe(true);
    expect(ask('HEAD', '/trips/abc').next).toBe(true);
    expect(ask('OPTIONS', '/trips').next).toBe(true);
    expect(ask('PATCH', '/nowhere').next).toBe(true);
    expect(ask('GET', '/trips/a/b').next).toBe(true);
  });

  it('takes a literal path before a template that also matches it', () => {
    expect(ask('GET', '/routes/generate')).toMatchObject({ status: 405, allow: 'POST' });
    expect(ask('POST', '/routes/generate').next).toBe(true);
    expect(ask('POST', '/routes/abc')).toMatchObject({ status: 405, allow: 'GET, HEAD' });
  });
});
