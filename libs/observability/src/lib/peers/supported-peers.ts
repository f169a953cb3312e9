// The ranges the consumer-app matrix proves; package.json's peerDependencies and engines say the same (a unit test
// keeps them equal).

/** Node.js versions the package runs on. */
export const SUPPORTED_NODE = '>=22.12.0';

/** Peers every app needs. */
export const REQUIRED_PEERS: Readonly<Record<string, string>> = {
  '@nestjs/common': '^11.0.8 || ^12.0.2',
  '@nestjs/core': '^11.0.8 || ^12.0.2',
  'nestjs-cls': '^7.0.0',
  'nestjs-pino': '^5.2.1',
  pino: '^10.0.0',
  'pino-http': '^11.0.0',
  'prom-client': '^15.1.0',
  'reflect-metadata': '^0.2.0',
  rxjs: '^7.8.0',
};

/** Peers of optional integrations, checked only when installed. */
export const OPTIONAL_PEERS: Readonly<Record<string, string>> = {
  '@nestjs/bull': '^11.0.0 || ^12.0.0',
  bull: '^4.16.0',
  bullmq: '^6.0.0',
  typeorm: '^0.3.20 || ^1.0.0',
  pg: '^8.11.0',
  '@nestjs/platform-express': '^11.0.8 || ^12.0.2',
  '@nestjs/platform-fastify': '^11.0.8 || ^12.0.0',
  '@willsoto/nestjs-prometheus': '^6.1.0',
  '@opentelemetry/api': '^1.9.0',
};
