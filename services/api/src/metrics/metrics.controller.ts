import { Controller, Get, Res } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { ApiMetrics } from './api-metrics';

@Controller()
export class MetricsController {
  constructor(private readonly metrics: ApiMetrics) {}

  /** Prometheus scrape endpoint, OpenMetrics so exemplars travel. */
  @Get('metrics')
  async scrape(@Res() res: ServerResponse): Promise<void> {
    const body = await this.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
    res.end(body);
  }
}
