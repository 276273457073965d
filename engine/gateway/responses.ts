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
