/**
 * The leases moved to src/db/lease.ts (the assessment schedule uses them too). This re-export stays
 * only while host.ts, which is being edited in another change, still imports it from here.
 */
export { createLeases, type Leases } from '../../src/db/lease.ts';
