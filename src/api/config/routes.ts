import type { Operation } from '../operations';
import { configFileJsonSchema } from './schema';

/** GET /v1/config/schema: public, like the API's own document, so that editors can fetch it without a key. */
export function configRoutes(): Operation[] {
  let schema: ReturnType<typeof configFileJsonSchema> | undefined;
  return [
    {
      method: 'get',
      path: '/v1/config/schema',
      tag: 'Configuration',
      access: 'public',
      summary: 'The JSON Schema of the configuration file',
      description:
        'What `vigil plan` and `vigil apply` read and `vigil export` writes (YAML or JSON), made from the schemas the API ' +
        'validates with. Point an editor at it (`$schema`, or `# yaml-language-server: $schema=<url>`) for completion and checks.',
      responses: { 200: { description: 'A JSON Schema (draft 2020-12)' } },
      handler: (_req, res) => {
        schema ??= configFileJsonSchema();
        res.type('application/schema+json').send(JSON.stringify(schema));
      },
    },
  ];
}
