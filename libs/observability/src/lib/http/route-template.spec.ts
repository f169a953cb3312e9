import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { UNMATCHED_ROUTE } from '../core/constants.js';
import { fastifyRouteTemplate, routeTemplateOf } from './route-template.js';

const expressRequest = (route: object | undefined, baseUrl?: string) => ({ method: 'GET', url: '/x', route, baseUrl }) as unknown as IncomingMessage;

describe('routeTemplateOf (Express)', () => {
  it("joins the mount point and the route's path, for each mount point of one route", () => {
    const route = { path: '/items/:id' };
    expect(routeTemplateOf(expressRequest(route, '/api'))).toBe('/api/items/:id');
    expect(routeTemplateOf(expressRequest(route, '/api'))).toBe('/api/items/:id');
    // The same route object mounted elsewhere (a router used twice): its own template, not the first one's.
    expect(routeTemplateOf(expressRequest(route, '/v2'))).toBe('/v2/items/:id');
    expect(routeTemplateOf(expressRequest(route))).toBe('/items/:id');
  });

  it('names no route for catch-all middleware routes or a request without a route', () => {
    for (const path of ['{*splat}', '/{*splat}', '*', '(.*)']) expect(routeTemplateOf(expressRequest({ path }))).toBe(UNMATCHED_ROUTE);
    expect(routeTemplateOf(expressRequest(undefined))).toBe(UNMATCHED_ROUTE);
    expect(routeTemplateOf(expressRequest({ path: /^\/regex/ }))).toBe(UNMATCHED_ROUTE);
  });
});

/** A Fastify request as far as the template goes: `routeOptions` a getter (as Fastify's), its reads counted. */
function fastifyRequest(url: string | undefined, is404 = url === undefined) {
  const counted = { reads: 0 };
  const request = { raw: {} as IncomingMessage, is404 };
  Object.defineProperty(request, 'routeOptions', { get: () => (counted.reads++, { url }) });
  return { request, counted };
}

describe('fastifyRouteTemplate and routeTemplateOf (Fastify)', () => {
  it("gives the matched route's template, reading Fastify's routeOptions once", () => {
    const { request, counted } = fastifyRequest('/items/:id');
    expect(fastifyRouteTemplate(request)).toBe('/items/:id');
    expect(counted.reads).toBe(1);
    expect(routeTemplateOf(request)).toBe('/items/:id');
    expect(counted.reads).toBe(2);
  });

  it("names no route for Fastify's 404 handler, without building its routeOptions", () => {
    const { request, counted } = fastifyRequest(undefined);
    expect(fastifyRouteTemplate(request)).toBeUndefined();
    expect(routeTemplateOf(request)).toBe(UNMATCHED_ROUTE);
    expect(counted.reads).toBe(0);
  });
});
