/** Engine incidents and process paths: the v2 REST reader of engine state (the routes for paths and incidents: routes.ts). */
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
