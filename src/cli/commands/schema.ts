import { configFileJsonSchema } from '../../api/config/schema';
import { EXIT, type Command } from '../command';

export const schemaCommand: Command = {
  name: 'schema',
  summary: "print the configuration file's JSON Schema",
  remote: false,
  help: `Usage: vigil schema

Prints the JSON Schema of the configuration file (also served at /v1/config/schema, and kept in the repository as
docs/vigil-config.schema.json), for editors to complete and check the file with.`,
  async run(ctx) {
    ctx.out(JSON.stringify(configFileJsonSchema(), null, 2));
    return EXIT.ok;
  },
};
