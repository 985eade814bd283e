// Benchmark of shared API v2 under load: the scenarios of issue 21 against the models of API
// Gateway, CloudFormation, DynamoDB, SQS and Parameter Store (test/models), with the REAL receiver
// and reconciler. Time is virtual (the models' quotas, Parameter Store's 40 TPS among them, refill
// on it), so the figures are what the documented quotas allow, not what this machine's speed allows.
// Prints, per scenario: stacks completed / rolled back / stuck, requests answered (and any answered
// twice or never), CreateDeployment and PutRestApi calls, throttled calls, reconciler invocations,
// the median and longest wait from a request to its answer, whether the invariant holds.
//
//   npm run bench:routes --workspace @shared-lambda-infra/platform [-- --only train]
//   npm run bench:routes --workspace @shared-lambda-infra/platform -- --services 30 --spread 30 [--registered 100] [--foreign-throttle 60]
//
// --only NAME: run only the scenarios whose label contains NAME (`instant`, `minute`, `1000`, `train`).
// --services N: instead, one scenario: N services (of --registered, default N) start within --spread
// seconds (seeded), while other clients hold the account's CreateDeployment quota for --foreign-throttle s.

import { concurrentDeploys, type LoadResult, releaseTrain } from '../test/models/load';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function number(name: string, fallback: number): number {
  const value = Number(flag(name) ?? fallback);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`--${name} must be an integer >= 0, got ${flag(name)}`);
  return value;
}

const only = flag('only');
const custom = flag('services');

const SCENARIOS: Array<[string, () => Promise<LoadResult>]> = custom
  ? [
      [
        'custom',
        () =>
          concurrentDeploys(
            number('services', 30),
            Math.max(number('services', 30), number('registered', 0)),
            number('spread', 30),
            number('foreign-throttle', 0),
          ),
      ],
    ]
  : [
      ['30 at the same instant', () => concurrentDeploys(30, 30, 0)],
      ['100 within a minute', () => concurrentDeploys(100, 100, 60)],
      ['10 at once among 1000', () => concurrentDeploys(10, 1000, 0)],
      ['release train', () => releaseTrain(200, 150)],
    ];

function row(result: LoadResult): Array<[string, string]> {
  const statuses = Object.values(result.statuses);
  const count = (s: string) => statuses.filter((x) => x === s).length;
  const clean = [
    'CREATE_COMPLETE',
    'UPDATE_COMPLETE',
    'UPDATE_ROLLBACK_COMPLETE',
    'ROLLBACK_COMPLETE',
    'DELETE_COMPLETE',
  ];
  return [
    [
      'Stacks (final status: count)',
      [...new Set(statuses)]
        .sort()
        .map((s) => `${s}: ${count(s)}`)
        .join(', '),
    ],
    [
      'Stacks stuck (*_FAILED or other)',
      String(statuses.filter((s) => !clean.includes(s)).length + result.stuck.length),
    ],
    ['Requests / answer problems', `${result.requests} / ${result.answerProblems.length}`],
    ['CreateDeployment / PutRestApi calls', `${result.createDeployments} / ${result.putRestApis}`],
    ['API Gateway calls throttled', String(result.apiGatewayThrottled)],
    [
      'Parameter Store calls (throttled)',
      `${result.parameterStoreCalls} (${result.parameterStoreThrottled})`,
    ],
    [
      'Reconciler invocations (failed) / DLQ',
      `${result.reconcilerInvocations} (${result.reconcilerFailures}) / ${result.deadLetters}`,
    ],
    [
      'Wait until answered: median / longest (virtual)',
      `${result.waitMedianSeconds.toFixed(1)} s / ${result.waitMaxSeconds.toFixed(1)} s`,
    ],
    [
      'Invariant holds',
      result.invariantProblems.length === 0
        ? 'yes'
        : `NO: ${result.invariantProblems.slice(0, 2).join('; ')}`,
    ],
    ['Wall time', `${result.wallSeconds.toFixed(2)} s`],
  ];
}

async function main(): Promise<void> {
  let failed = false;
  for (const [label, run] of SCENARIOS) {
    if (only && !label.includes(only)) continue;
    const result = await run();
    console.log(`\n## ${result.name}`);
    for (const [k, v] of row(result)) console.log(`${k.padEnd(50)} ${v}`);
    if (result.stuck.length || result.answerProblems.length || result.invariantProblems.length) failed = true;
  }
  if (failed) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
