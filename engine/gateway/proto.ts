/**
 * Loads the Zeebe gateway protocol from the installed client package at run time. The proto is not copied
 * into this repository (design rule): the client and the gateway must speak the same file, and the client
 * package is where it is maintained.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** Path of `zeebe.proto` inside the installed `@camunda8/sdk`. */
export function zeebeProtoPath(): string {
  const require = createRequire(import.meta.url);
  // The package has no `exports` map; its main entry is dist/index.js and the proto sits in dist/proto.
  return join(dirname(require.resolve('@camunda8/sdk')), 'proto', 'zeebe.proto');
}

/** The `gateway_protocol.Gateway` service definition, with int64 fields as decimal strings. */
export function loadGatewayService(): ServiceDefinition {
  const definition = loadSync(zeebeProtoPath(), {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = loadPackageDefinition(definition) as unknown as {
    gateway_protocol: { Gateway: { service: ServiceDefinition } };
  };
  return pkg.gateway_protocol.Gateway.service;
}
