import { describe, expect, it } from '@jest/globals';
import { loadQueueLibraries } from './load-queue-libraries.js';

const missing = (name: string) => () => Promise.reject(new Error(`Cannot find package '${name}'`));

describe('loadQueueLibraries', () => {
  it('loads the installed Bull and BullMQ', async () => {
    const { bull, bullmq } = await loadQueueLibraries(true);
    expect(typeof bull!.prototype.add).toBe('function');
    expect(typeof bullmq!.Queue.prototype.add).toBe('function');
    expect(typeof bullmq!.Worker.prototype.callProcessJob).toBe('function');
  });

  it('takes either library alone when the integration was asked for', async () => {
    expect(Object.keys(await loadQueueLibraries(true, { bull: missing('bull') }))).toEqual(['bullmq']);
    expect(Object.keys(await loadQueueLibraries(true, { bullmq: missing('bullmq') }))).toEqual(['bull']);
  });

  it('names what to install when the integration was asked for and neither is there', async () => {
    await expect(loadQueueLibraries(true, { bull: missing('bull'), bullmq: missing('bullmq') })).rejects.toThrow(
      "ObservabilityModule: queue.enabled needs Bull or BullMQ: npm install @nestjs/bullmq bullmq (or @nestjs/bull bull) (Cannot find package 'bull')",
    );
  });

  it('stays off quietly when neither is there and nobody asked for it', async () => {
    await expect(loadQueueLibraries(false, { bull: missing('bull'), bullmq: missing('bullmq') })).resolves.toEqual({});
  });
});
