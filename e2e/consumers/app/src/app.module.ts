import { BullModule } from '@nestjs/bull';
import { BullModule as BullMqModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { makeCounterProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { ObservabilityModule, sqlCommentingClient } from '@commandcenter/observability';
import { GreetingsController } from './greetings.controller.js';
import { FarewellsProcessor } from './farewells.processor.js';
import { GreetingsProcessor } from './greetings.processor.js';

@Module({
  imports: [
    ObservabilityModule.forRoot({ serviceName: 'consumer', metricPrefix: 'consumer' }),
    // What the team had before: its own metrics through @willsoto/nestjs-prometheus, served on the same /metrics.
    PrometheusModule.register(),
    TypeOrmModule.forRoot({ type: 'postgres', url: process.env.DATABASE_URL, extra: { Client: sqlCommentingClient() } }),
    BullModule.forRoot({ url: process.env.REDIS_URL }),
    BullModule.registerQueue({ name: 'greetings' }),
    BullMqModule.forRoot({ connection: { url: process.env.REDIS_URL }, prefix: 'mq' }),
    BullMqModule.registerQueue({ name: 'farewells' }),
  ],
  controllers: [GreetingsController],
  providers: [GreetingsProcessor, FarewellsProcessor, makeCounterProvider({ name: 'consumer_greetings_total', help: 'Greetings said.' })],
})
export class AppModule {}
