import {
  type NameScope,
  ROUTES_RESOURCE_TYPE,
  SERVICE_ROLE_TYPE,
  serviceBoundaryPolicyName,
} from '@shared-lambda-infra/contract';

/**
 * The resource types a service stack may hold: what the consumer library builds, and what the
 * service CloudFormation execution role is given permissions for. Anything else (API Gateway
 * resources above all: the shared API is the platform's, reached through `Custom::SharedApiRoutes`)
 * is refused at deploy time by the platform's Guard Hook.
 */
export const SERVICE_RESOURCE_CATALOGUE: readonly string[] = [
  'AWS::Lambda::Function',
  'AWS::Lambda::Version',
  'AWS::Lambda::Alias',
  'AWS::Lambda::Permission',
  // A function's asynchronous invocation settings (retryAttempts, maxEventAge, onFailure).
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Lambda::LayerVersion',
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::SQS::Queue',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SNS::Subscription',
  'AWS::Events::Rule',
  'AWS::Scheduler::Schedule',
  'AWS::Scheduler::ScheduleGroup',
  'AWS::S3::Bucket',
  'AWS::S3::BucketPolicy',
  'AWS::StepFunctions::StateMachine',
  'AWS::SecretsManager::Secret',
  'AWS::SSM::Parameter',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::Logs::LogGroup',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::CDK::Metadata',
  ROUTES_RESOURCE_TYPE,
];

/**
 * The service principals a role in a service stack may trust: Lambda for functions, and the
 * services the consumer library wires to them (Step Functions, EventBridge Scheduler, EventBridge
 * rules). No account, federated or wildcard principal: a role trusting another account would be
 * lasting access from outside the deploy pipeline.
 */
export const SERVICE_ROLE_PRINCIPALS: readonly string[] = [
  'lambda.amazonaws.com',
  'states.amazonaws.com',
  'scheduler.amazonaws.com',
  'events.amazonaws.com',
];

/** The rule names of {@link serviceGuardRules}, for tests and documentation. */
export const SERVICE_GUARD_RULES = {
  hookInput: 'hook_input_is_a_stack_operation',
  registeredService: 'stack_belongs_to_a_registered_service',
  catalogue: 'resource_type_in_service_catalogue',
  noApiGateway: 'no_api_gateway_resources',
  trust: 'role_trusts_only_service_principals',
  boundary: 'role_carries_permissions_boundary',
  roleName: 'role_name_in_service_prefix',
  inlinePolicy: 'inline_policy_attaches_to_own_roles',
  resourcePolicy: 'resource_policies_grant_only_allowed_accounts',
  lambdaPermission: 'lambda_permissions_grant_only_allowed_accounts',
  stateMachineLogs: 'state_machines_log_to_own_log_groups',
  eventSources: 'event_source_mappings_read_own_sources',
} as const;

/** What {@link serviceGuardRules} needs to know about the environment. */
export interface ServiceGuardRulesInput {
  /** Project and environment. */
  readonly scope: NameScope;
  /** The registered services' names. */
  readonly services: readonly string[];
  /**
   * The name of the managed policy a service's roles must carry as their permissions boundary.
   * @default - the service's own boundary, `serviceBoundaryPolicyName(scope, service)`
   */
  readonly boundaryPolicyName?: (service: string) => string;
  /**
   * The platform's own account, when the config names it: a literal ARN or id of it in a
   * resource policy is this account, like `Ref: AWS::AccountId`.
   * @default - none: a resource policy names this account with `Ref: AWS::AccountId` or a resource of the stack
   */
  readonly account?: string;
  /**
   * Other AWS accounts each service's own resource policies may grant (registry
   * `services[].externalAccounts`).
   * @default - none: no service may grant another account
   */
  readonly externalAccounts?: Readonly<Record<string, readonly string[]>>;
}

/** The pseudo parameters a principal ARN may be built from (none of them can name another account). */
const PSEUDO_PARAMETERS = ['AWS::Partition', 'AWS::AccountId', 'AWS::Region', 'AWS::URLSuffix'];

/**
 * The cfn-guard rules (Guard 3 DSL) the platform's Guard Hook runs on every service stack at
 * deploy time, generated for one environment because they name its project, environment,
 * registered services and permissions boundary.
 *
 * They read the Guard Hook's stack-operation input: the proposed template at the top level, with
 * `HookContext` (its `StackId` names the stack, hence the service) beside it. Every rule but the
 * first skips a stack deletion, so a stack that predates a rule can always be deleted.
 *
 * @see https://docs.aws.amazon.com/cloudformation-cli/latest/hooks-userguide/guard-hooks-write-rules.html
 */
export function serviceGuardRules(input: ServiceGuardRulesInput): string {
  const { scope, services } = input;
  const R = SERVICE_GUARD_RULES;
  const rolePrefix = `${scope.project}-${scope.env}-${SERVICE_ROLE_TYPE}-`;
  const boundaryOf = input.boundaryPolicyName ?? ((service) => serviceBoundaryPolicyName(scope, service));
  // A stack id is `arn:…:stack/{name}/{uuid}`; cfn-guard cannot parse a pattern ending in `\/`.
  const stackIdOf = (service: string): string =>
    `/^arn:aws[a-z-]*:cloudformation:[a-z0-9-]+:[0-9]{12}:stack\\/${scope.project}-${scope.env}-${service}-[A-Za-z0-9-]+\\/[0-9a-f-]+$/`;
  const list = (values: readonly string[]): string => `[${values.map((v) => `'${v}'`).join(', ')}]`;
  /** One block per registered service, each applied to that service's stacks only. */
  const perService = (body: (service: string) => string): string => {
    const blocks = services.map(
      (service) => `    when HookContext.StackId == ${stackIdOf(service)} {\n${body(service)}\n    }`,
    );
    // Stryker disable next-line StringLiteral: cfn-guard reads blocks joined with no newline (`}    when …`) as the same rules, the separator only lays the text out
    return blocks.join('\n');
  };
  const perServiceRoleNames = perService(
    (service) => `      %service_roles[ Properties.RoleName exists ] {
        Properties.RoleName == /^${rolePrefix}${service}-/
        <<role name must start with "${rolePrefix}${service}-" (the service's role prefix) or be left to CloudFormation>>
      }`,
  );
  // cfn-guard 3 takes no regular expressions in an `in` list: one disjunction per service.
  const perServiceBoundary = perService((service) => {
    const name = boundaryOf(service);
    const message = `<<a role must carry the permissions boundary ${name} written in the template, as Fn::Sub or a literal ARN (a parameter's value can be overridden at deploy)>>`;
    return `      %service_roles {
        Properties.PermissionsBoundary.'Fn::Sub' == 'arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/${name}'
        ${message} or
        Properties.PermissionsBoundary == /^arn:aws[a-z-]*:iam::[0-9]{12}:policy\\/${name}$/
        ${message}
      }`;
  });
  // Only the Arn of a resource of the stack names that resource: another attribute (an SSM parameter's
  // Value) or a parameter (`${Grantee}`) can hold any ARN or account.
  const ownArn = `this.'Fn::GetAtt'[1] == 'Arn' or this.'Fn::GetAtt' == /^[A-Za-z0-9]+\\.Arn$/`;
  // Resource policies: accounts each service may grant, beyond principals of its own stack.
  const accountsOf = (service: string): string[] => [
    ...(input.account ? [input.account] : []),
    ...(input.externalAccounts?.[service] ?? []),
  ];
  const principalChecks = (
    service: string,
    subject: string,
    what: string,
    servicePrincipals: boolean,
  ): string => {
    const accounts = accountsOf(service);
    const named = accounts.length > 0 ? accounts.join(', ') : 'none';
    const message = `<<${what} may grant ${servicePrincipals ? 'AWS service principals, ' : ''}this account (Ref AWS::AccountId, or a role of the stack) and the accounts services[].externalAccounts allows ${service} (${named}), nothing else>>`;
    const alternatives = [
      ...(servicePrincipals ? ['this == /\\.amazonaws\\.com(\\.cn)?$/'] : []),
      ...(accounts.length > 0
        ? [`this == /^(arn:aws[a-z-]*:(iam|sts)::)?(${accounts.join('|')})(:|$)/`]
        : []),
    ];
    const literal = `${alternatives.length > 0 ? alternatives.join(' or ') : 'this !is_string'}
          ${message}`;
    // In a Sub or Join string an account id can stand anywhere, beside an allowed one (in a role name)
    // or split across two strings: every run of digits is shorter than an account id or is an allowed
    // account, a Join string does not start with a digit (which would continue the run of the string or
    // value before it), and a Join's delimiter has no digit.
    const runs = ['[0-9]{1,11}', ...accounts].join('|');
    const ownDigits = `/^[^0-9]*((${runs})[^0-9]+)*(${runs})?$/`;
    const subVariables = `/^([^$]|\\$[^{$]|\\$\\{(${PSEUDO_PARAMETERS.join('|')}|[A-Za-z0-9]+\\.Arn)\\})*\\$?$/`;
    return `      ${subject} {
        when this is_string {
          this != '*'
          <<${what} must not grant everyone ("*")>>
          ${literal}
        }
        when this is_struct {
          ${ownArn} or this.Ref == 'AWS::AccountId' or this.'Fn::Join' exists or this.'Fn::Sub' exists
          ${message}
        }
        when this.'Fn::Sub' exists {
          this.'Fn::Sub' is_string
          ${message}
          this.'Fn::Sub' == ${subVariables}
          ${message}
          this.'Fn::Sub' == ${ownDigits}
          ${message}
        }
        when this.'Fn::Join' exists {
          this.'Fn::Join'[0] != /[0-9]/
          ${message}
          this.'Fn::Join'[1][*] {
            when this is_string {
              this == ${ownDigits}
              ${message}
              this != /^[0-9]/
              ${message}
            }
            when this is_struct {
              this.Ref in ${list(PSEUDO_PARAMETERS)} or ${ownArn}
              ${message}
            }
          }
        }
      }`;
  };
  const perServiceResourcePolicies = perService(
    (service) => `      %resource_policies.Properties.PolicyDocument.Statement[ Effect == 'Allow' ] {
        when Principal.AWS exists {
${principalChecks(service, 'Principal.AWS[*]', 'a resource policy', false)}
        }
      }`,
  );
  const perServiceLambdaPermissions = perService((service) =>
    principalChecks(service, '%lambda_permissions.Properties.Principal', 'a Lambda permission', true),
  );
  const perServiceLogs = perService(
    (
      service,
    ) => `      %state_machines[ Properties.LoggingConfiguration.Destinations exists ].Properties.LoggingConfiguration.Destinations[*].CloudWatchLogsLogGroup.LogGroupArn {
        when this is_string {
          this == /^arn:aws[a-z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:${scope.project}-${scope.env}-${service}-/
          <<a state machine may log only to a log group of its own service (named ${scope.project}-${scope.env}-${service}-…, or Fn::GetAtt of a log group of the stack)>>
        }
      }`,
  );
  // IAM has no condition key for a mapping's source: the template says it.
  const perServiceSources = perService((service) => {
    const names = [`${service}-`, `queue-${service}-`, `table-${service}-`]
      .map((n) => `${scope.project}-${scope.env}-${n}`)
      .join('|');
    return `      %event_source_mappings.Properties.EventSourceArn {
        when this is_string {
          this == /^arn:aws[a-z-]*:(sqs:[a-z0-9-]+:[0-9]{12}:|dynamodb:[a-z0-9-]+:[0-9]{12}:table\\/)(${names})/
          <<an event source mapping may read only a queue or table stream of its own service (named ${scope.project}-${scope.env}-${service}-…, -queue-${service}-… or -table-${service}-…, or Fn::GetAtt of one of the stack)>>
        }
      }`;
  });
  // With no registered service the per-service blocks are empty, which cfn-guard cannot parse; every
  // stack is refused by the registered-service rule then, so these rules ask for the same.
  const NO_SERVICE = `    HookContext.StackId == 'no service is registered'`;
  const boundaryChecks = services.length > 0 ? perServiceBoundary : NO_SERVICE;
  const registered =
    services.length > 0
      ? services.map((service) => `HookContext.StackId == ${stackIdOf(service)}`).join(' or\n  ')
      : `HookContext.StackId == 'no service is registered'`;

  return `# Deploy-time rules for the service stacks of ${scope.project} ${scope.env}.
# Generated by packages/platform/lib/guard/service-guard-rules.ts from the platform config: do not edit.
# Input: a CloudFormation Guard Hook stack operation (the proposed template plus HookContext).

let service_roles = Resources.*[ Type == 'AWS::IAM::Role' ]
let inline_policies = Resources.*[ Type == 'AWS::IAM::Policy' ]
let resource_policies = Resources.*[ Type in ['AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy', 'AWS::S3::BucketPolicy'] ]
let lambda_permissions = Resources.*[ Type == 'AWS::Lambda::Permission' ]
let state_machines = Resources.*[ Type == 'AWS::StepFunctions::StateMachine' ]
let event_source_mappings = Resources.*[ Type == 'AWS::Lambda::EventSourceMapping' ]

# The input is a stack creation or update evaluated by the hook; deletions are never blocked.
rule ${R.hookInput} when HookContext.InvocationPoint !exists or HookContext.InvocationPoint != 'DELETE_PRE_PROVISION' {
  HookContext.StackId exists
  <<input is not a Guard Hook stack operation: HookContext.StackId is missing>>
  Resources exists
  <<input has no Resources>>
}

rule ${R.registeredService} when ${R.hookInput} {
  ${registered}
  <<stack is not named {project}-{env}-{service}-… for a service registered in ${scope.project} ${scope.env}>>
}

rule ${R.catalogue} when ${R.hookInput} {
  Resources.* {
    Type in ${list(SERVICE_RESOURCE_CATALOGUE)}
    <<resource type is outside the service resource catalogue (docs/onboarding.md)>>
  }
}

rule ${R.noApiGateway} when ${R.hookInput} {
  Resources.* {
    Type != /^AWS::ApiGateway(V2)?::/
    <<API Gateway resources belong to the platform's shared API: declare routes with ServiceApi (Custom::SharedApiRoutes)>>
  }
}

rule ${R.trust} when ${R.hookInput} {
  when %service_roles !empty {
    %service_roles.Properties.AssumeRolePolicyDocument.Statement[*] {
      Principal is_struct
      <<a role's trust policy must name service principals, not "*">>
      Principal.AWS !exists
      <<a role must not trust AWS accounts or roles>>
      Principal.Federated !exists
      <<a role must not trust federated identities>>
      Principal.CanonicalUser !exists
      <<a role must not trust canonical users>>
      Principal.Service exists
      <<a role must trust a service principal>>
      Principal.Service in ${list(SERVICE_ROLE_PRINCIPALS)}
      <<a role may trust only ${SERVICE_ROLE_PRINCIPALS.join(', ')}>>
      Action in ['sts:AssumeRole']
      <<a role's trust policy may allow sts:AssumeRole only>>
    }
  }
}

rule ${R.boundary} when ${R.hookInput} {
  when %service_roles !empty {
${boundaryChecks}
  }
}

rule ${R.roleName} when ${R.hookInput} {
  when %service_roles !empty {
    %service_roles[ Properties.RoleName exists ] {
      Properties.RoleName == /^${rolePrefix}/
      <<role name must start with "${rolePrefix}{service}-" or be left to CloudFormation (which starts it with the stack name)>>
    }
${perServiceRoleNames}
  }
}

# A queue, topic or bucket policy of a service grants this account and the accounts the registry
# allows that service; service principals (sns.amazonaws.com, ...) are the AWS services themselves.
rule ${R.resourcePolicy} when ${R.hookInput} {
  when %resource_policies !empty {
    %resource_policies.Properties.PolicyDocument.Statement[ Effect == 'Allow' ] {
      Principal is_struct
      <<an Allow statement of a resource policy must name its principals, not "*">>
      Principal.Federated !exists
      <<a resource policy must not grant federated identities>>
      Principal.CanonicalUser !exists
      <<a resource policy must not grant canonical users>>
    }
${perServiceResourcePolicies}
  }
}

# A Lambda permission lets an AWS service (its principal ends in .amazonaws.com), this account or
# an account the registry allows invoke the function; never "*" (a public function URL included).
rule ${R.lambdaPermission} when ${R.hookInput} {
  when %lambda_permissions !empty {
${services.length > 0 ? perServiceLambdaPermissions : NO_SERVICE}
  }
}

# Step Functions delivers a state machine's logs with the account's log resource policy: only to a
# log group of the service's own stack. Only an Arn attribute names a resource of the stack: another
# (an SSM parameter's Value) can hold any ARN.
rule ${R.stateMachineLogs} when ${R.hookInput} {
  when %state_machines !empty {
    %state_machines[ Properties.LoggingConfiguration.Destinations exists ].Properties.LoggingConfiguration.Destinations[*].CloudWatchLogsLogGroup.LogGroupArn {
      this is_string or ${ownArn}
      <<a state machine's log destination must be Fn::GetAtt of the Arn of a log group of its stack, or the literal ARN of one of its own log groups>>
    }
${perServiceLogs}
  }
}

# Lambda polls a mapping's source with the function's role, which the service's boundary already
# keeps to its own queues and streams; the rule says so before the deploy rather than at the first poll.
rule ${R.eventSources} when ${R.hookInput} {
  when %event_source_mappings !empty {
    %event_source_mappings.Properties.EventSourceArn {
      this is_string or this.'Fn::GetAtt'[1] in ['Arn', 'StreamArn'] or this.'Fn::GetAtt' == /^[A-Za-z0-9]+\\.(Arn|StreamArn)$/
      <<an event source mapping's source must be Fn::GetAtt of the Arn of a queue or the StreamArn of a table of its stack, or the literal ARN of one of its service's own>>
    }
${perServiceSources}
  }
}

rule ${R.inlinePolicy} when ${R.hookInput} {
  when %inline_policies !empty {
    %inline_policies.Properties {
      Users !exists
      <<an inline policy must not attach to IAM users>>
      Groups !exists
      <<an inline policy must not attach to IAM groups>>
      Roles[*] {
        Ref exists
        <<an inline policy may attach only to roles of its own stack (a Ref to one)>>
      }
    }
  }
}
`;
}
