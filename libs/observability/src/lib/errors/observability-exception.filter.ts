import type { ServerResponse } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject, Injectable, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Logger } from 'pino';
import { throwError } from 'rxjs';
import { InternalErrors } from '../core/internal-errors.js';
import { rawRequest, requestRecord } from '../http/request-record.js';
import { routeTemplateOf } from '../http/route-template.js';
import { PINO_LOGGER, RESOLVED_OPTIONS } from '../core/tokens.js';
import { methodLabel } from '../core/labels.js';
import type { ResolvedOptions } from '../options/resolve-options.js';
import { ErrorMetrics } from './error-metrics.js';
import { errorFingerprint, errorType } from './fingerprint.js';

interface ErrorAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * The global exception filter: answers with Nest's status and body plus `request_id` (500 with a generic message
 * for anything that is not an HTTP error), logs the error once with its fingerprint, and counts it. Never throws.
 */
@Catch()
@Injectable()
export class ObservabilityExceptionFilter implements ExceptionFilter {
  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedOptions,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
    private readonly internal: InternalErrors,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() private readonly errorMetrics?: ErrorMetrics,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType() !== 'http') {
      this.internal.guard('errors', () => this.report(exception, statusOf(exception).status, undefined));
      return throwError(() => exception);
    }
    const http = host.switchToHttp();
    const request = http.getRequest();
    const response = http.getResponse();
    const answer = this.internal.guard('errors', () => answerFor(exception)) ?? internalError();
    // The context's record, when the request itself lost its pointer (a fault while opening it).
    const requestId = (requestRecord(request) ?? requestRecord())?.requestId;
    if (requestId) answer.body.request_id = requestId;
    this.internal.guard('errors', () => this.report(exception, answer.status, request));
    this.reply(response, answer);
    return undefined;
  }

  private report(exception: unknown, status: number, request: any): void {
    const serverError = status >= 500;
    const route = request ? routeTemplateOf(request) : undefined;
    const type = errorType(exception);
    const state = request ? requestRecord(request) : undefined;
    if (this.errorMetrics && route && (serverError || this.options.errors.countClientErrors)) {
      this.errorMetrics.count(route, status, type, state?.requestId, state?.traceId);
    }
    const raw = request ? rawRequest(request) : undefined;
    const user = request?.user as { id?: unknown; sub?: unknown } | undefined;
    const userId = user?.id ?? user?.sub;
    // Messages can echo client input (Express's "Cannot GET <path>"): a log line stays bounded whatever was sent.
    const fullMessage = messageOf(exception);
    const message = truncate(fullMessage);
    const stack = exception instanceof Error && exception.stack ? exception.stack.replace(fullMessage, message) : undefined;
    const fields: Record<string, unknown> = {
      err: serverError && exception instanceof Error ? { type, message, stack } : { type, message },
      error_fingerprint: errorFingerprint(exception),
      status_code: status,
      method: raw ? methodLabel(raw.method) : undefined,
      route,
    };
    if (typeof userId === 'string' || typeof userId === 'number') fields.user_id = String(userId).slice(0, 128);
    if (state?.requestId) fields.request_id = state.requestId;
    if (serverError) this.logger.error(fields, message || 'Unhandled error');
    else this.logger.warn(fields, message || 'Client error');
  }

  private reply(response: any, answer: ErrorAnswer): void {
    try {
      const adapter = this.adapterHost.httpAdapter;
      if (adapter.isHeadersSent(response)) {
        adapter.end(response);
        return;
      }
      adapter.reply(response, answer.body, answer.status);
    } catch (error) {
      this.internal.record('errors', error);
      const raw: ServerResponse = response?.raw ?? response;
      if (!raw.headersSent) {
        raw.statusCode = answer.status;
        raw.setHeader('Content-Type', 'application/json; charset=utf-8');
      }
      raw.end(raw.headersSent ? undefined : JSON.stringify(answer.body));
    }
  }
}

function answerFor(exception: unknown): ErrorAnswer {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const body = typeof response === 'object' && response !== null ? { ...(response as object) } : { statusCode: status, message: response };
    return { status, body };
  }
  const { status, expose } = statusOf(exception);
  if (expose) return { status, body: { statusCode: status, message: messageOf(exception) } };
  return internalError();
}

function internalError(): ErrorAnswer {
  return { status: 500, body: { statusCode: 500, message: 'Internal server error' } };
}

/** Errors from body parsers and adapters carry their own 4xx status (bad JSON, payload too large). */
function statusOf(exception: unknown): { status: number; expose: boolean } {
  if (exception instanceof HttpException) return { status: exception.getStatus(), expose: true };
  const candidate = exception as { status?: unknown; statusCode?: unknown } | null;
  const status = Number(candidate?.statusCode ?? candidate?.status);
  if (Number.isInteger(status) && status >= 400 && status < 500) return { status, expose: true };
  return { status: 500, expose: false };
}

const MAX_LOGGED_MESSAGE = 1000;

function truncate(text: string): string {
  return text.length > MAX_LOGGED_MESSAGE ? `${text.slice(0, MAX_LOGGED_MESSAGE)}…` : text;
}

function messageOf(exception: unknown): string {
  if (exception instanceof HttpException) {
    // Validation errors keep their details in the response body, not in the exception's message.
    const response = exception.getResponse() as { message?: unknown } | string;
    const detail = typeof response === 'string' ? response : response?.message;
    if (Array.isArray(detail)) return detail.map(String).join('; ').slice(0, MAX_LOGGED_MESSAGE);
    if (typeof detail === 'string') return detail;
  }
  if (exception instanceof Error) return exception.message;
  return typeof exception === 'string' ? exception : '';
}
