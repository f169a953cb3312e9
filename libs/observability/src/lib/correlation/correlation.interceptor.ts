import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { Observable } from 'rxjs';
import { contextStore } from './correlation-context.js';
import { generateRequestId } from './request-id.js';

/**
 * HTTP requests get their context from the middleware; this opens one for other execution contexts
 * (microservice messages, websockets) that arrive without any.
 */
@Injectable()
export class CorrelationInterceptor implements NestInterceptor {
  constructor(private readonly cls: ClsService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http' || this.cls.isActive()) return next.handle();
    return new Observable((subscriber) =>
      this.cls.runWith(contextStore(generateRequestId(), context.getType()), () => next.handle().subscribe(subscriber)),
    );
  }
}
