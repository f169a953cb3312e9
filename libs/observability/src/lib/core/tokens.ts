/** DI token of the resolved options (internal). */
export const RESOLVED_OPTIONS = Symbol('observability:resolved-options');
/** DI token of the options as the user gave them, before defaults (internal). */
export const USER_OPTIONS = Symbol('observability:user-options');
/** DI token of the set of pg pools read by `db_pool_connections` (internal). */
export const TRACKED_POOLS = Symbol('observability:tracked-pools');
/** DI token of the metrics endpoint when it is served on the application's port, else undefined (internal). */
export const APP_PORT_METRICS = Symbol('observability:app-port-metrics');
/** DI token of the OpenTelemetry bridge, undefined without @opentelemetry/api (internal). */
export const OPENTELEMETRY = Symbol('observability:opentelemetry');
/** DI token of the module's pino logger (internal). */
export const PINO_LOGGER = Symbol('observability:pino-logger');
/** DI token of the queue libraries that could be loaded, Bull and/or BullMQ (internal). */
export const QUEUE_LIBRARIES = Symbol('observability:queue-libraries');
