/** The queue the api fills and the worker drains. */
export const REPOSITORY_SYNC_QUEUE = 'repository-sync';
/** The one job name on it. */
export const SYNC_JOB = 'sync';

export interface SyncJobData {
  repositoryId: string;
}

/** A repository whose name starts with this fails every sync: failures and retries can be exercised on purpose. */
export const FAILING_REPOSITORY_PREFIX = 'fail-';

/** 3 attempts with exponential backoff, as the runtime contract says. */
export const SYNC_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 200 },
  removeOnComplete: 1000,
  removeOnFail: 1000,
} as const;
