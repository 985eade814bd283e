// `npm run schema --workspace @shared-lambda-infra/platform` (or `npm run docs` at the root): writes
// config/platform-config.schema.json, the JSON Schema of config/<env>.yaml that editors use for
// completion and inline errors (each YAML file points at it with a yaml-language-server comment).
// Generated from the zod schema, so it cannot drift; test/docs.test.ts fails when it is stale.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { platformConfigSchema } from '../lib/config/schema';

/** Where the generated JSON Schema is committed. */
export const CONFIG_SCHEMA_FILE = path.resolve(__dirname, '..', 'config', 'platform-config.schema.json');

/**
 * The JSON Schema of an environment file, as text. `io: 'input'` describes what a user may write
 * (keys with defaults are optional), not the parsed result.
 */
export function renderConfigSchema(): string {
  const schema = z.toJSONSchema(platformConfigSchema, { io: 'input' });
  const document = {
    ...schema,
    title: 'shared-lambda-infra platform config',
    description:
      'One environment of the shared-lambda-infra platform (packages/platform/config/<env>.yaml). Generated from lib/config/schema.ts by `npm run docs`: do not edit.',
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (path.resolve(process.argv[1] ?? '') === __filename) {
  writeFileSync(CONFIG_SCHEMA_FILE, renderConfigSchema());
  console.log(`wrote ${path.relative(process.cwd(), CONFIG_SCHEMA_FILE)}`);
}
