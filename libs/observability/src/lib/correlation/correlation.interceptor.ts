import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { CLS_ID, ClsService } from 'nestjs-cls';
import { Observable } from 'rxjs';
import { CHECKED_ID_KEY, CONTEXT_SOURCE_KEY } from './correlation-context.js';
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
      this.cls.run(() => {
        const id = generateRequestId();
        this.cls.set(CLS_ID, id);
        this.cls.set(CHECKED_ID_KEY, id);
        this.cls.set(CONTEXT_SOURCE_KEY, context.getType());
        return next.handle().subscribe(subscriber);
      }),
    );
  }
}
