import type { ContractParameter, NameScope, ServiceContractParameter } from '@shared-lambda-infra/contract';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

/** Props of {@link ContractValue}. */
export interface ContractValueProps {
  /** Project and environment the parameter belongs to. */
  readonly scope: NameScope;
  /** The contract entry to write. */
  readonly parameter: ContractParameter | ServiceContractParameter;
  /**
   * The service, for per-service entries.
   * @default - none; required when `parameter` is per-service
   */
  readonly service?: string;
  /** The value: a string (String) or a list of strings (StringList). */
  readonly value: string | string[];
}

/**
 * Publishes one contract value as an SSM parameter, named and typed by its entry in
 * `@shared-lambda-infra/contract`, so the consumer reads exactly what the platform writes.
 */
export class ContractValue extends Construct {
  /** The parameter written. */
  public readonly parameter: ssm.IStringParameter | ssm.IStringListParameter;
  /** The SSM parameter name. */
  public readonly parameterName: string;

  constructor(scope: Construct, id: string, props: ContractValueProps) {
    super(scope, id);
    const { parameter, service } = props;
    if (parameter.component === 'services/{service}' && !service) {
      throw new Error(`contract parameter ${parameter.attribute} is per-service: pass the service name`);
    }
    this.parameterName = (parameter.path as (scope: NameScope, service?: string) => string)(
      props.scope,
      service,
    );
    const description = parameter.description.slice(0, 1024);
    if (parameter.type === 'StringList') {
      const list = Array.isArray(props.value) ? props.value : [props.value];
      this.parameter = new ssm.StringListParameter(this, 'Parameter', {
        parameterName: this.parameterName,
        stringListValue: list,
        description,
      });
    } else {
      if (Array.isArray(props.value))
        throw new Error(`contract parameter ${this.parameterName} is a String, got a list`);
      this.parameter = new ssm.StringParameter(this, 'Parameter', {
        parameterName: this.parameterName,
        stringValue: props.value,
        description,
      });
    }
  }
}
