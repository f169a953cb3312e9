import { Controller, Get } from '@nestjs/common';

export class TestError extends Error {}

/** Fails on purpose, so alert drills and tests can check the whole error path. Mounted only when enabled. */
@Controller('api/v1')
export class TriggerTestErrorController {
  @Get('trigger-test-error')
  trigger(): never {
    throw new TestError('test error triggered on purpose');
  }
}
