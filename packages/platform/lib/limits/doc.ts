import { LIMITS, type LimitDefinition } from './catalogue';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const n = (value: number) => value.toLocaleString('en-US');

function quota(limit: LimitDefinition): string {
  const code = limit.quotaCode ? ` (\`${limit.serviceCode}\` \`${limit.quotaCode}\`)` : '';
  return `[${limit.quotaName}](${limit.source})${code}`;
}

/** docs/limits.md: the catalogue as tables, one row per limit. */
export function renderLimitsDoc(header: string): string {
  const lines = [
    header,
    '# AWS limits',
    '',
    'Every AWS limit the platform depends on, from the catalogue in `packages/platform/lib/limits/catalogue.ts`.',
    'Before a deploy, `npm run limits -- -c env=prod` prints each one with its usage, headroom and the registry',
    'size at which it runs out; `npm run synth` fails when one is exceeded and warns past 80%; config validation',
    'refuses a project or service name whose longest generated policy would cross an IAM limit. After a deploy,',
    'the observability stack alarms on what AWS measures and on what the limits function publishes',
    "(namespace `{project}/Limits`, dimension `Environment`), and `npm run doctor` compares the account's applied quotas with `quotas`.",
    '',
    'Account quotas are shared by every environment config that names the same `account`: their usages add up.',
    '',
    '| Limit | AWS quota | Default | Adjustable | Applies to | Checked before deploy | Watched after deploy |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...LIMITS.map((l) =>
      [
        '',
        cell(l.title),
        quota(l),
        `${n(l.defaultValue)} ${l.unit}`,
        l.adjustable ? `yes: \`${l.configKey}\`` : 'no',
        l.scope,
        cell(l.checked),
        cell(l.watched),
        '',
      ]
        .join(' | ')
        .trim(),
    ),
    '',
    '## When a limit is reached',
    '',
    '| Limit | Fix |',
    '| --- | --- |',
    ...LIMITS.map((l) => `| ${cell(l.title)} | ${cell(l.fix)} |`),
    '',
  ];
  return lines.join('\n');
}
