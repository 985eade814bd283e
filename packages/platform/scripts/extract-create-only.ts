// `npx tsx packages/platform/scripts/extract-create-only.ts <git dir of hashicorp/terraform-provider-awscc>`:
// refreshes lib/migration/create-only-properties.json, the createOnlyProperties of AWS's CloudFormation
// registry schemas that compareTemplates reads, for the resource types already listed there (add a
// type to the file's table, with an empty list, to have it extracted). The awscc provider vendors
// the registry schemas as internal/service/cloudformation/schemas/AWS_<Service>_<Type>.json. Run
// `npm run format` afterwards (biome keeps short arrays on one line). Get the repository with
// `git clone --bare https://github.com/hashicorp/terraform-provider-awscc`.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const gitDir = process.argv[2];
if (!gitDir) {
  console.error('usage: tsx extract-create-only.ts <git dir of hashicorp/terraform-provider-awscc>');
  process.exit(2);
}
const file = path.join(__dirname, '..', 'lib', 'migration', 'create-only-properties.json');
const current = JSON.parse(readFileSync(file, 'utf8')) as { createOnlyProperties: Record<string, string[]> };
const git = (...args: string[]) => execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8' });
const commit = git('rev-parse', 'HEAD').trim();
const createOnlyProperties: Record<string, string[]> = {};
for (const type of Object.keys(current.createOnlyProperties)) {
  const schemaPath = `internal/service/cloudformation/schemas/${type.replaceAll('::', '_')}.json`;
  const schema = JSON.parse(git('show', `HEAD:${schemaPath}`)) as { createOnlyProperties?: string[] };
  createOnlyProperties[type] = (schema.createOnlyProperties ?? []).map((p) =>
    p.replace(/^\/properties\//, ''),
  );
}
const out = {
  source:
    "hashicorp/terraform-provider-awscc internal/service/cloudformation/schemas (AWS's CloudFormation registry schemas)",
  commit,
  createOnlyProperties,
};
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.log(
  `wrote ${path.relative(process.cwd(), file)}: ${Object.keys(createOnlyProperties).length} types at ${commit}`,
);
