import 'reflect-metadata';
import { Controller, Get, Module, Param, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { InjectDataSource, InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import { Registry } from 'prom-client';
import { Column, DataSource, Entity, PrimaryGeneratedColumn, type Repository } from 'typeorm';
import { ObservabilityModule, sqlCommentingClient } from '../../src/index.js';
import type { CaptureStream } from '../../../../tools/testing/log-capture.js';

@Entity({ name: 'observability_items' })
export class Item {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  name!: string;
}

/** One route per way TypeORM can reach the database. */
@Controller('db')
class DatabaseController {
  constructor(
    @InjectRepository(Item) private readonly items: Repository<Item>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Get('find/:marker')
  find(@Param('marker') marker: string) {
    return this.items.find({ where: { name: marker } });
  }

  @Get('builder/:marker')
  builder(@Param('marker') marker: string) {
    return this.items.createQueryBuilder('item').where('item.name = :marker', { marker }).getMany();
  }

  @Get('raw/:marker')
  raw(@Param('marker') marker: string) {
    return this.dataSource.query('SELECT $1::text AS raw_probe', [marker]);
  }

  @Get('transaction/:marker')
  transaction(@Param('marker') marker: string) {
    return this.dataSource.transaction(async (manager) => {
      await manager.insert(Item, { name: marker });
      return manager.count(Item, { where: { name: marker } });
    });
  }

  @Get('stream/:marker')
  async stream(@Param('marker') marker: string) {
    const runner = this.dataSource.createQueryRunner();
    try {
      const stream = await runner.stream('SELECT $1::text AS stream_probe, n FROM generate_series(1, 3) AS n', [marker]);
      const rows: unknown[] = [];
      for await (const row of stream) rows.push(row);
      return rows;
    } finally {
      await runner.release();
    }
  }

  @Get('echo/:marker')
  echo(@Param('marker') marker: string) {
    return this.dataSource.query('SELECT $1::text AS echo_probe', [marker]);
  }

  @Get('slow')
  slow() {
    return this.dataSource.query('SELECT pg_sleep($1), $2::text AS slow_probe', [0.25, 'hunter2-secret']);
  }

  @Get('broken')
  broken() {
    return this.dataSource.query('SELECT * FROM no_such_table_anywhere');
  }
}

export interface DatabaseApp {
  app: INestApplication;
  url: string;
  registry: Registry;
  dataSource: DataSource;
  close(): Promise<void>;
}

/** The module on a real PostgreSQL through TypeORM, with the commenting client and a pool of `poolSize`. */
export async function startDatabaseApp(databaseUrl: string, logs: CaptureStream, poolSize = 1): Promise<DatabaseApp> {
  const registry = new Registry();
  @Module({
    imports: [
      ObservabilityModule.forRoot({ serviceName: 'db-test', logging: { level: 'debug', destination: logs }, metrics: { registry } }),
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: databaseUrl,
        entities: [Item],
        synchronize: true,
        extra: { max: poolSize, Client: sqlCommentingClient() },
      }),
      TypeOrmModule.forFeature([Item]),
    ],
    controllers: [DatabaseController],
  })
  class DatabaseTestModule {}

  const app = await NestFactory.create(DatabaseTestModule, new ExpressAdapter(), { logger: false, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, registry, dataSource: app.get(DataSource), close: () => app.close() };
}
