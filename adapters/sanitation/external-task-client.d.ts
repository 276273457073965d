// Typings for the parts of camunda-external-task-client-js (3.x, shipped without types) the adapter uses.
declare module 'camunda-external-task-client-js' {
  export interface TypedVariables {
    get(name: string): unknown;
    getAll(): Record<string, unknown>;
  }
  export interface Task {
    id: string;
    topicName: string;
    businessKey: string | null;
    processInstanceId: string;
    retries: number | null;
    lockExpirationTime: string | null;
    variables: TypedVariables;
  }
  export class Variables {
    set(name: string, value: unknown): this;
    setAll(values: Record<string, unknown>): this;
  }
  export interface TaskService {
    complete(task: Task, variables?: Variables, localVariables?: Variables): Promise<void>;
    handleFailure(
      task: Task,
      options: { errorMessage?: string; errorDetails?: string; retries?: number; retryTimeout?: number },
    ): Promise<void>;
    handleBpmnError(
      task: Task,
      errorCode: string,
      errorMessage?: string,
      variables?: Variables,
    ): Promise<void>;
    extendLock(task: Task, newDuration: number): Promise<void>;
  }
  export interface ClientOptions {
    baseUrl: string;
    workerId?: string;
    maxTasks?: number;
    interval?: number;
    lockDuration?: number;
    autoPoll?: boolean;
    asyncResponseTimeout?: number;
    maxParallelExecutions?: number;
  }
  export class Client {
    constructor(options: ClientOptions);
    subscribe(
      topic: string,
      options: { lockDuration?: number; variables?: string[] },
      handler: (args: { task: Task; taskService: TaskService }) => Promise<void>,
    ): { unsubscribe(): void };
    start(): void;
    stop(): void;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}
