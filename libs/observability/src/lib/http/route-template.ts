import type { IncomingMessage } from 'node:http';
import { UNMATCHED_ROUTE } from '../core/constants.js';
import { rawRequest, requestRecord, type RequestRecord } from './request-record.js';

const CATCH_ALL = /^\/?(?:\{\*\w+\}|\*\w*|\(\.\*\))$/;

interface ExpressLike {
  route?: { path?: unknown };
  baseUrl?: string;
}

export interface FastifyLike {
  raw: IncomingMessage;
  routeOptions?: { url?: string };
  is404?: boolean;
}

/** Each Express route's template, made once per route (and mount point) rather than matched and joined per request. */
const expressTemplates = new WeakMap<object, { baseUrl: string; template: string }>();

/**
 * The route template of a request (`/api/v1/repositories/:id`), never its raw path, or UNMATCHED_ROUTE when no
 * route matched. Express records the matched route on the request; Fastify's is captured by the module's onRequest hook.
 */
export function routeTemplateOf(request: IncomingMessage | FastifyLike): string {
  const captured = requestRecord(request)?.routeTemplate;
  if (captured) return captured;
  if ((request as FastifyLike).raw) return fastifyRouteTemplate(request as FastifyLike) ?? UNMATCHED_ROUTE;
  const express = rawRequest(request) as IncomingMessage & ExpressLike;
  const route = express.route;
  if (typeof route?.path !== 'string') return UNMATCHED_ROUTE;
  const baseUrl = express.baseUrl ?? '';
  const known = expressTemplates.get(route);
  if (known !== undefined && known.baseUrl === baseUrl) return known.template;
  // Nest mounts catch-all middleware (ours included) as Express routes, so an unmatched request still shows a
  // `req.route`: the middleware's catch-all, which names no route of the application.
  const template = CATCH_ALL.test(route.path) ? UNMATCHED_ROUTE : `${baseUrl}${route.path}`;
  expressTemplates.set(route, { baseUrl, template });
  return template;
}

/**
 * The template of the route Fastify matched, or undefined for its 404 handler. `routeOptions` is a getter that
 * builds an object of a dozen fields on each read: read once, and not for a 404.
 */
export function fastifyRouteTemplate(request: FastifyLike): string | undefined {
  return request.is404 ? undefined : request.routeOptions?.url || undefined;
}

/** Route template of the HTTP request the current context belongs to; undefined outside one. */
export function currentRouteTemplate(): string | undefined {
  return recordRouteTemplate(requestRecord());
}

/** Route template of the request `record` stands for (a CLS store's, when the caller holds the store already). */
export function recordRouteTemplate(record: RequestRecord | undefined): string | undefined {
  if (!record) return undefined;
  return record.req ? routeTemplateOf(record.req) : (record.routeTemplate ?? UNMATCHED_ROUTE);
}
