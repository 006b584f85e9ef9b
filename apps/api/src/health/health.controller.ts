import { Controller, Get } from '@nestjs/common';
import { ProjectionRunner } from '#projections';

/** `/health`: the process is up and how far the read model is behind the log. */
@Controller()
export class HealthController {
  constructor(private readonly projections: ProjectionRunner) {}

  @Get('health')
  async health() {
    const projections = await this.projections.status();
    return {
      status: 'ok',
      projections: projections.map((p) => ({ ...p, checkpoint: String(p.checkpoint), head: String(p.head) })),
    };
  }
}
