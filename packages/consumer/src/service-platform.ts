import {
  CONTRACT_MAJOR_VERSION,
  type ContractParameter,
  type NameScope,
  Parameters,
  type ServiceContractParameter,
  serviceBoundaryPolicyName,
} from '@shared-lambda-infra/contract';
import { CfnCondition, CfnRule, Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, type IConstruct } from 'constructs';

const PLATFORM = Symbol.for('@shared-lambda-infra/consumer.ServicePlatform');

/** Props of {@link ServicePlatform}. */
export interface ServicePlatformProps {
  /** Project and environment of the platform to join. */
  readonly scope: NameScope;
  /** The registered service this stack belongs to. */
  readonly service: string;
}

/**
 * The platform as one service stack sees it: every value the platform publishes for its
 * environment and for this service, read from the contract's SSM parameters.
 *
 * Each value is a CloudFormation parameter of type `AWS::SSM::Parameter::Value<…>`, created on
 * first use and resolved by CloudFormation at deploy time, so synthesis needs no AWS credentials
 * and a stack never hard-codes an id the platform owns. A value nothing uses adds nothing to the
 * template (some parameters are published only under some platform configurations).
 *
 * `ServiceStack` creates one; constructs find it with {@link ServicePlatform.of}. It also adds a
 * CloudFormation rule that refuses to deploy against a platform whose contract major version
 * differs from the one this library was built with.
 */
export class ServicePlatform extends Construct {
  /** The platform of the service stack `scope` belongs to; throws when there is none. */
  public static of(scope: IConstruct): ServicePlatform {
    const stack = Stack.of(scope);
    const platform = (stack as unknown as { [PLATFORM]?: ServicePlatform })[PLATFORM];
    if (!platform) {
      throw new Error(
        `${scope.node.path} is not in a ServiceStack: create service constructs inside \`new ServiceStack(app, id, { service, env })\`, which knows the platform to join`,
      );
    }
    return platform;
  }

  /** Project and environment. */
  public readonly nameScope: NameScope;
  /** The service name. */
  public readonly service: string;

  private lambdaSg?: ec2.ISecurityGroup;
  private dualStack?: CfnCondition;

  constructor(scope: Construct, id: string, props: ServicePlatformProps) {
    super(scope, id);
    const stack = Stack.of(this) as unknown as { [PLATFORM]?: ServicePlatform };
    if (stack[PLATFORM]) {
      throw new Error(
        `stack ${Stack.of(this).node.path} already has a ServicePlatform: create one per stack`,
      );
    }
    stack[PLATFORM] = this;
    this.nameScope = props.scope;
    this.service = props.service;
    this.addContractVersionRule();
  }

  /** Reads a platform-wide String parameter of the contract. */
  public value(parameter: ContractParameter<'String'>): string {
    return ssm.StringParameter.valueForStringParameter(this, parameter.path(this.nameScope));
  }

  /** Reads a platform-wide StringList parameter of the contract, as a list token. */
  public list(parameter: ContractParameter<'StringList'>): string[] {
    return ssm.StringListParameter.valueForTypedListParameter(this, parameter.path(this.nameScope));
  }

  /** Reads a String parameter the platform publishes for this service. */
  public serviceValue(parameter: ServiceContractParameter<'String'>): string {
    return ssm.StringParameter.valueForStringParameter(this, parameter.path(this.nameScope, this.service));
  }

  /** Private subnet ids (all of them, however many AZs the platform spans), as a list token. */
  public get privateSubnetIds(): string[] {
    return this.list(Parameters.privateSubnetIds);
  }

  /** The shared Lambda security group (egress only; imported, so this stack cannot change its rules). */
  public get lambdaSecurityGroup(): ec2.ISecurityGroup {
    this.lambdaSg ??= ec2.SecurityGroup.fromSecurityGroupId(
      this,
      'LambdaSecurityGroup',
      this.value(Parameters.lambdaSecurityGroupId),
      // The platform owns its rules; a mutable import would let a service open it for everyone.
      { mutable: false, allowAllOutbound: true },
    );
    return this.lambdaSg;
  }

  /**
   * A deploy-time condition, true when the platform's VPC is dual-stack (its `ip-address-type`
   * parameter is `dualstack`). A condition rather than a synth-time switch: the service repository
   * does not know, and must not have to know, how each environment's network is configured.
   */
  public get dualStackVpc(): CfnCondition {
    this.dualStack ??= new CfnCondition(this, 'DualStackVpc', {
      expression: Fn.conditionEquals(this.value(Parameters.vpcIpAddressType), 'dualstack'),
    });
    return this.dualStack;
  }

  /**
   * ARN of the service's own permissions boundary, which every role in the stack carries and which
   * confines the role to this service's resources. Built from the contract's policy name (`Fn::Sub`
   * of partition and account) rather than read from its SSM parameter: a parameter's value can be
   * overridden by whoever creates the stack, and the platform's deploy-time guard (a CloudFormation
   * Guard Hook that sees only the template) must be able to tell from the template alone that each
   * role carries it.
   */
  public get permissionsBoundaryArn(): string {
    return Fn.sub(
      `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/${serviceBoundaryPolicyName(this.nameScope, this.service)}`,
    );
  }

  /** ARN of the shared Lambda execution role. */
  public get lambdaExecutionRoleArn(): string {
    return this.value(Parameters.lambdaExecutionRoleArn);
  }

  /** The platform's log retention in days (a string token). */
  public get logRetentionDays(): string {
    return this.value(Parameters.logRetentionDays);
  }

  /** Id of the shared REST API. */
  public get restApiId(): string {
    return this.value(Parameters.restApiId);
  }

  /** Name of the API stage. */
  public get stageName(): string {
    return this.value(Parameters.stageName);
  }

  /** Base URL of the stage (or custom domain). */
  public get invokeUrl(): string {
    return this.value(Parameters.invokeUrl);
  }

  /** SNS topic for alarms. */
  public get alarmTopicArn(): string {
    return this.value(Parameters.alarmTopicArn);
  }

  private addContractVersionRule(): void {
    // Rules cannot parse "1.2.3", so the platform publishes the major version alone.
    const major = this.value(Parameters.contractMajorVersion);
    new CfnRule(this, 'ContractVersion', {
      assertions: [
        {
          assert: Fn.conditionEquals(major, CONTRACT_MAJOR_VERSION),
          assertDescription: `This stack was built with @shared-lambda-infra/consumer for contract major version ${CONTRACT_MAJOR_VERSION}, and the platform publishes another (${Parameters.contractMajorVersion.path(this.nameScope)}): upgrade @shared-lambda-infra/consumer to the version the platform documents`,
        },
      ],
    });
  }
}
