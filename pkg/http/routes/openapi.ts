import type { FastifyPluginAsync } from 'fastify';
import { buildOpenApiDocument } from '../openapi.ts';
import type { ServerConfig } from '../server.ts';

/**
 * `GET /openapi.json`: the API's OpenAPI document, without authentication (like /health, it holds no tenant data).
 * Generated and serialized once, when the server starts.
 */
export const openapiRoutes: FastifyPluginAsync<{ config: ServerConfig }> = async (app, { config }) => {
  const document = JSON.stringify(buildOpenApiDocument({ version: config.version, secretHeader: config.secretHeader }));
  app.get('/openapi.json', async (_request, reply) => reply.type('application/json; charset=utf-8').send(document));
};
