import { InjectQueue } from '@nestjs/bull';
import { InjectQueue as InjectMqQueue } from '@nestjs/bullmq';
import { Controller, Get, Logger, Param, Post } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { CorrelationService } from '@commandcenter/observability';
import type { Queue } from 'bull';
import type { Queue as MqQueue } from 'bullmq';
import type { Counter } from 'prom-client';
import { DataSource } from 'typeorm';

@Controller()
export class GreetingsController {
  private readonly logger = new Logger(GreetingsController.name);

  constructor(
    private readonly correlation: CorrelationService,
    private readonly dataSource: DataSource,
    @InjectQueue('greetings') private readonly queue: Queue,
    @InjectMqQueue('farewells') private readonly mqQueue: MqQueue,
    @InjectMetric('consumer_greetings_total') private readonly greetings: Counter<string>,
    // The module's own metric, injected the way the team injects its own.
    @InjectMetric('http_requests_total') private readonly httpRequests: Counter<string>,
  ) {}

  @Get('hello/:name')
  hello(@Param('name') name: string) {
    this.greetings.inc();
    this.logger.log(`saying hello to ${name}`);
    return { hello: name, request_id: this.correlation.requestId };
  }

  @Get('boom')
  boom(): never {
    throw new Error('consumer boom');
  }

  @Get('db')
  async db() {
    const rows: Array<{ one: number }> = await this.dataSource.query('SELECT 1 AS one');
    return { one: rows[0].one };
  }

  @Post('jobs')
  async enqueue() {
    const job = await this.queue.add('greet', { who: 'processor' });
    return { jobId: String(job.id), request_id: this.correlation.requestId };
  }

  @Post('mq-jobs')
  async enqueueMq() {
    const job = await this.mqQueue.add('farewell', { who: 'processor' });
    return { jobId: String(job.id), request_id: this.correlation.requestId };
  }

  @Get('injected')
  injected() {
    return { metric: (this.httpRequests as unknown as { name: string }).name };
  }
}
