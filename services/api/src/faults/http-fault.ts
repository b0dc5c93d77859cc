/**
 * HTTP fault injection, the no-mesh stand-in for Istio's: delay and/or abort a share of the api's requests. Off
 * unless a chaos run turns it on, through an admin listener that binds 127.0.0.1 only and exists only when
 * FAULT_INJECTION_PORT is set (the local lab sets it; a deployment does not). A fault carries its own expiry, so
 * it ends on time even if whoever set it is gone. Ops paths (/metrics, /healthz, /readyz) are never touched:
 * Prometheus keeps scraping, and the supervisor keeps judging the process, not the fault.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from '@fleetlab/telemetry';

export const HttpFaultSpec = z
  .object({
    delayMs: z.number().int().min(1).max(60_000).optional(),
    abortStatus: z.number().int().min(400).max(599).optional(),
    /** Share of matching requests affected, 0-100. */
    percent: z.number().min(0).max(100),
    pathPrefix: z.string().startsWith('/').optional(),
    /** Epoch ms; the fault is off from then on. */
    expiresAt: z.number().int().positive(),
  })
  .strict()
  .refine((f) => f.delayMs !== undefined || f.abortStatus !== undefined, { message: 'needs delayMs, abortStatus or both', path: ['delayMs'] });
export type HttpFaultSpec = z.infer<typeof HttpFaultSpec>;

const OPS_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

export class HttpFaults {
  private fault: HttpFaultSpec | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {}

  current(): HttpFaultSpec | undefined {
    if (this.fault && this.fault.expiresAt <= this.now()) {
      this.logger.warn({ fault: this.fault }, 'http fault expired');
      this.fault = undefined;
    }
    return this.fault;
  }

  set(fault: HttpFaultSpec): void {
    this.fault = fault;
    this.logger.warn({ fault }, 'http fault on');
  }

  clear(): void {
    if (this.fault) this.logger.warn({ fault: this.fault }, 'http fault off');
    this.fault = undefined;
  }

  /** What happens to this request: nothing, or a delay then (maybe) an abort. */
  decide(path: string): { delayMs: number; abortStatus?: number } | undefined {
    const fault = this.current();
    if (!fault || OPS_PATHS.has(path)) return undefined;
    if (fault.pathPrefix && !path.startsWith(fault.pathPrefix)) return undefined;
    if (this.random() * 100 >= fault.percent) return undefined;
    return { delayMs: fault.delayMs ?? 0, abortStatus: fault.abortStatus };
  }

  /** Express middleware, installed after the metrics middleware so injected delays and errors are measured as any other. */
  middleware() {
    return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
      const decision = this.fault ? this.decide((req.url ?? '').split('?')[0] ?? '') : undefined;
      if (!decision) {
        next();
        return;
      }
      const go = (): void => {
        if (decision.abortStatus === undefined) {
          next();
          return;
        }
        res.writeHead(decision.abortStatus, { 'content-type': 'application/json; charset=utf-8', 'x-fleetlab-fault': 'abort' });
        res.end(JSON.stringify({ statusCode: decision.abortStatus, error: 'Injected Fault', message: 'fault injected by a chaos experiment (docs/chaos.md)' }));
      };
      if (decision.delayMs > 0) setTimeout(go, decision.delayMs);
      else go();
    };
  }

  /** GET/PUT/DELETE /fault on 127.0.0.1:port. */
  async listen(port: number): Promise<Server> {
    const server = createServer((req, res) => void this.admin(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    this.logger.info({ port, host: '127.0.0.1' }, 'http fault injection listening');
    return server;
  }

  private async admin(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body?: unknown): void => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' }).end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (req.url !== '/fault') return send(404, { error: 'only /fault' });
    if (req.method === 'GET') return send(200, { fault: this.current() ?? null });
    if (req.method === 'DELETE') {
      this.clear();
      return send(204);
    }
    if (req.method !== 'PUT') return send(405, { error: 'GET, PUT or DELETE' });
    let text = '';
    for await (const chunk of req) {
      text += String(chunk);
      if (text.length > 8_192) return send(413, { error: 'body too large' });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return send(400, { error: 'malformed JSON body' });
    }
    const parsed = HttpFaultSpec.safeParse(body);
    if (!parsed.success) {
      return send(400, { error: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ') });
    }
    this.set(parsed.data);
    return send(200, { fault: parsed.data });
  }
}
