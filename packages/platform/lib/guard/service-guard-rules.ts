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
}

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
  const perService = services
    .map(
      (service) => `    when HookContext.StackId == ${stackIdOf(service)} {
      %service_roles[ Properties.RoleName exists ] {
        Properties.RoleName == /^${rolePrefix}${service}-/
        <<role name must start with "${rolePrefix}${service}-" (the service's role prefix) or be left to CloudFormation>>
      }
    }`,
    )
    .join('\n');
  // cfn-guard 3 takes no regular expressions in an `in` list: one disjunction per service.
  const perServiceBoundary = services
    .map((service) => {
      const name = boundaryOf(service);
      const message = `<<a role must carry the permissions boundary ${name} written in the template, as Fn::Sub or a literal ARN (a parameter's value can be overridden at deploy)>>`;
      return `    when HookContext.StackId == ${stackIdOf(service)} {
      %service_roles {
        Properties.PermissionsBoundary.'Fn::Sub' == 'arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/${name}'
        ${message} or
        Properties.PermissionsBoundary == /^arn:aws[a-z-]*:iam::[0-9]{12}:policy\\/${name}$/
        ${message}
      }
    }`;
    })
    .join('\n');
  // With no registered service the block above is empty, which cfn-guard cannot parse; every stack
  // is refused by the registered-service rule then, so the boundary rule asks for the same.
  const boundaryChecks =
    services.length > 0 ? perServiceBoundary : `    HookContext.StackId == 'no service is registered'`;
  const registered =
    services.length > 0
      ? services.map((service) => `HookContext.StackId == ${stackIdOf(service)}`).join(' or\n  ')
      : `HookContext.StackId == 'no service is registered'`;

  return `# Deploy-time rules for the service stacks of ${scope.project} ${scope.env}.
# Generated by packages/platform/lib/guard/service-guard-rules.ts from the platform config: do not edit.
# Input: a CloudFormation Guard Hook stack operation (the proposed template plus HookContext).

let service_roles = Resources.*[ Type == 'AWS::IAM::Role' ]
let inline_policies = Resources.*[ Type == 'AWS::IAM::Policy' ]

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
${perService}
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
