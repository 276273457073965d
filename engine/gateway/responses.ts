/** Converts engine results to their wire shape: variables and headers as JSON strings, int64 as strings. */
import type { ActivatedJob } from '../api.ts';

/** An ActivatedJob as the proto carries it. */
export function wireJob(job: ActivatedJob) {
  return {
    ...job,
    deadline: String(job.deadline),
    customHeaders: JSON.stringify(job.customHeaders ?? {}),
    variables: JSON.stringify(job.variables ?? {}),
  };
}

/** Room per job for the fields besides variables and headers (keys, ids, names), generously. */
const JOB_OVERHEAD_BYTES = 1024;

/**
 * Splits activated jobs into ActivateJobsResponse messages that stay under the message size limit, as
 * Zeebe's gateway does, so a batch of large jobs is not refused as a whole.
 */
export function jobBatches(jobs: ReturnType<typeof wireJob>[], maxMessageBytes: number) {
  const batches: ReturnType<typeof wireJob>[][] = [];
  let current: ReturnType<typeof wireJob>[] = [];
  let size = 0;
  for (const job of jobs) {
    const bytes =
      Buffer.byteLength(job.variables) + Buffer.byteLength(job.customHeaders) + JOB_OVERHEAD_BYTES;
    if (current.length > 0 && size + bytes > maxMessageBytes) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(job);
    size += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
