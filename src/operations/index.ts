/** Engine operations: the v2 REST reader of engine state and the routes for process paths and incidents. */
export { createEngineQuery } from './engine-query.ts';
export type {
  ElementInstance,
  EngineQuery,
  Incident,
  Page,
  ProcessDefinition,
  ProcessInstance,
  SearchRequest,
} from './engine-query.ts';
export { operationsRoutes, type OperationsDeps } from './routes.ts';
