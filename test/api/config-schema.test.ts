import request from 'supertest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configFileJsonSchema } from '../../src/api/config/schema';
import { useStack } from '../support/stack';

/** The configuration file's JSON Schema: made from the schemas the API validates with, served, and kept in the repository. */
describe('the configuration file schema', () => {
  const stack = useStack({ api: true });
  const committed = path.join(__dirname, '../../docs/vigil-config.schema.json');

  it('is committed as docs/vigil-config.schema.json exactly as the code makes it (regenerate: npx vigil schema > docs/vigil-config.schema.json)', () => {
    expect(JSON.parse(readFileSync(committed, 'utf8'))).toEqual(configFileJsonSchema());
  });

  it('is served without a key at /v1/config/schema, as a JSON Schema document', async () => {
    const res = await request(stack.api.url).get('/v1/config/schema').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/schema\+json/);
    expect(JSON.parse(res.text)).toEqual(configFileJsonSchema());
  });

  it('says what the API says of each field: the target kinds, the key pattern, and that unknown fields are refused', () => {
    const schema = configFileJsonSchema() as {
      properties: Record<string, { items: { oneOf?: { properties: Record<string, { pattern?: string }>; additionalProperties: boolean }[] } }>;
    };
    const targets = schema.properties.targets!.items.oneOf!;
    expect(targets).toHaveLength(4);
    for (const variant of targets) {
      expect(variant.additionalProperties).toBe(false);
      expect(variant.properties.key!.pattern).toBe('^[a-z0-9](?:[a-z0-9._-]{0,98}[a-z0-9])?$');
      expect(variant.properties).toHaveProperty('escalationPolicy');
      expect(variant.properties).not.toHaveProperty('escalationPolicyId');
    }
  });
});
