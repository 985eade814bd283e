import type { NameScope } from '@shared-lambda-infra/contract';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { RouteAuthorization, ServiceApi } from '../service-api';
import type { ServiceFunction } from '../service-function';
import type { ServiceStack } from '../service-stack';
import { DevInputError, type PlatformValues } from './values';

/** A route the dev server answers. */
export interface DevRoute {
  /** `GET /orders/{id}`. */
  readonly route: string;
  /** `GET`, or `ANY`. */
  readonly method: string;
  /** `/orders/{id}`. */
  readonly path: string;
  /** How callers authenticate. */
  readonly authorization: RouteAuthorization;
  /** The construct path of the function that answers it (a key of {@link DevService.functions}). */
  readonly functionPath: string;
}

/** A function as the dev server runs it. */
export interface DevFunction {
  /** Construct path. */
  readonly path: string;
  /** Physical name in the environment (`AWS_LAMBDA_FUNCTION_NAME`). */
  readonly functionName: string;
  /** Absolute path of the handler's source file. */
  readonly entry: string;
  /** Export name of the handler. */
  readonly handler: string;
  /** Environment with every value resolved, or replaced by a placeholder (see `unresolved`). */
  readonly environment: Readonly<Record<string, string>>;
  /** Variables whose values cannot be known locally, with why. */
  readonly unresolved: readonly string[];
  /** Lambda timeout in seconds. */
  readonly timeoutSeconds: number;
  /** Memory size in MB (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`). */
  readonly memorySize: number;
  /** esbuild options from the function's `bundling`. */
  readonly bundling: ServiceFunction['source']['bundling'];
}

/** What `shared-lambda dev` serves: one service stack's routes and functions. */
export interface DevService {
  /** The service name. */
  readonly service: string;
  /** Project and environment. */
  readonly scope: NameScope;
  /** The CloudFormation stack name. */
  readonly stackName: string;
  /** The routes, in declaration order. */
  readonly routes: readonly DevRoute[];
  /** The functions behind the routes, by construct path. */
  readonly functions: ReadonlyMap<string, DevFunction>;
}

/** A synthesized CloudFormation template (the parts read here). */
export interface Template {
  readonly Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  readonly Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** Lambda's default when a function sets no timeout (ServiceFunction always sets one). */
const LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3;

/**
 * Describes `stack` for the dev server: its routes (from every `ServiceApi` in it) and the
 * functions behind them, with environments resolved from `template` and `values`.
 */
export function describeService(stack: ServiceStack, template: Template, values: PlatformValues): DevService {
  const apis = stack.node.findAll().filter(isServiceApi);
  if (apis.length === 0) {
    throw new DevInputError(
      `stack ${stack.node.path} has no ServiceApi, so there are no routes to serve: add one with new ServiceApi(stack, 'Api') and api.addRoute(...)`,
    );
  }
  const routes: DevRoute[] = [];
  const functions = new Map<string, DevFunction>();
  const problems: string[] = [];
  for (const api of apis) {
    for (const route of api.routes) {
      const fn = route.handler;
      if (!isServiceFunction(fn)) {
        problems.push(
          `route "${route.route}": its handler ${fn.node.path} is not a ServiceFunction; the dev server runs ServiceFunctions only`,
        );
        continue;
      }
      if (!functions.has(fn.node.path)) {
        const described = describeFunction(stack, fn, template, values);
        if (typeof described === 'string') problems.push(described);
        else functions.set(fn.node.path, described);
      }
      routes.push({
        route: route.route,
        method: route.method,
        path: route.path,
        authorization: route.authorization,
        functionPath: fn.node.path,
      });
    }
  }
  if (problems.length > 0) {
    throw new DevInputError(`stack ${stack.node.path} cannot be served locally:\n  ${problems.join('\n  ')}`);
  }
  return {
    service: stack.service,
    scope: stack.nameScope,
    stackName: stack.stackName,
    routes,
    functions,
  };
}

function describeFunction(
  stack: Stack,
  fn: ServiceFunction,
  template: Template,
  values: PlatformValues,
): DevFunction | string {
  const { entry, handler, bundling } = fn.source;
  if (!entry) {
    return `function ${fn.node.path} has no entry: pass \`entry\` (the handler's source file) to ServiceFunction`;
  }
  const logicalId = stack.resolve((fn.node.defaultChild as CfnElement).logicalId) as string;
  const properties = template.Resources?.[logicalId]?.Properties ?? {};
  const variables = ((properties.Environment as { Variables?: Record<string, unknown> } | undefined)
    ?.Variables ?? {}) as Record<string, unknown>;
  const environment: Record<string, string> = {};
  const unresolved: string[] = [];
  const context: EvaluationContext = { stack, template, values };
  for (const [name, value] of Object.entries(variables)) {
    try {
      const resolved = evaluate(value, context);
      environment[name] = Array.isArray(resolved) ? resolved.join(',') : (resolved as string);
    } catch (error) {
      if (!(error instanceof Unresolved)) throw error;
      environment[name] = `<unresolved ${name}: ${error.message}>`;
      unresolved.push(`${name} (${error.message})`);
    }
  }
  for (const [name, value] of Object.entries(values.environment)) {
    environment[name] = value;
    const i = unresolved.findIndex((u) => u.startsWith(`${name} (`));
    if (i >= 0) unresolved.splice(i, 1);
  }
  return {
    path: fn.node.path,
    functionName: typeof properties.FunctionName === 'string' ? properties.FunctionName : fn.node.id,
    entry,
    handler,
    environment,
    unresolved,
    timeoutSeconds:
      typeof properties.Timeout === 'number' ? properties.Timeout : LAMBDA_DEFAULT_TIMEOUT_SECONDS,
    memorySize: typeof properties.MemorySize === 'number' ? properties.MemorySize : 128,
    bundling,
  };
}

/** A value CloudFormation would know at deploy time, but a laptop does not. */
class Unresolved extends Error {}

interface EvaluationContext {
  readonly stack: Stack;
  readonly template: Template;
  readonly values: PlatformValues;
}

// The name property a resource's `Ref` returns, for the types whose Ref is their name.
const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::SSM::Parameter': 'Name',
  'AWS::Logs::LogGroup': 'LogGroupName',
};

/** Evaluates the intrinsic functions CDK writes into environment variables, as far as possible. */
function evaluate(value: unknown, context: EvaluationContext): string | readonly string[] {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.flatMap((v) => evaluate(v, context));
  const [fn, args] = Object.entries(value as Record<string, unknown>)[0] ?? [];
  switch (fn) {
    case 'Ref':
      return evaluateRef(args as string, context);
    case 'Fn::Join': {
      const [separator, parts] = args as [string, unknown[]];
      const list = Array.isArray(parts)
        ? parts.flatMap((p) => evaluate(p, context))
        : evaluate(parts, context);
      return (list as readonly string[]).join(separator);
    }
    case 'Fn::Select': {
      const [index, list] = args as [number | string, unknown];
      const items = evaluate(list, context);
      const item = Array.isArray(items) ? items[Number(index)] : undefined;
      if (item === undefined) throw new Unresolved(`Fn::Select ${index} of a list without that element`);
      return item;
    }
    case 'Fn::Split': {
      const [separator, source] = args as [string, unknown];
      const text = evaluate(source, context);
      return (Array.isArray(text) ? text.join(',') : (text as string)).split(separator);
    }
    case 'Fn::GetAtt': {
      const [resource, attribute] = Array.isArray(args) ? args : String(args).split('.');
      throw new Unresolved(`the ${attribute} of resource ${resource}, known after deployment`);
    }
    default:
      throw new Unresolved(`${fn ?? 'an empty object'} is not evaluated locally`);
  }
}

function evaluateRef(name: string, context: EvaluationContext): string | readonly string[] {
  switch (name) {
    case 'AWS::Region':
      return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return context.stack.stackName;
    case 'AWS::AccountId':
      throw new Unresolved('the account id (AWS::AccountId), known at deployment');
  }
  const parameter = context.template.Parameters?.[name];
  if (parameter) {
    const path = parameter.Default;
    if (typeof path !== 'string' || !parameter.Type?.startsWith('AWS::SSM::Parameter::Value')) {
      throw new Unresolved(`template parameter ${name}, given at deployment`);
    }
    const value = context.values.byPath.get(path);
    if (value === undefined) {
      throw new Unresolved(`contract parameter ${path}; give it in --params or --platform-config`);
    }
    return value;
  }
  const resource = context.template.Resources?.[name];
  const property = resource ? NAME_PROPERTY[resource.Type] : undefined;
  const physical = property ? resource?.Properties?.[property] : undefined;
  if (typeof physical === 'string') return physical;
  throw new Unresolved(
    resource ? `the name CloudFormation gives ${resource.Type} ${name}` : `unknown reference ${name}`,
  );
}

/** Duck-typed: the dev CLI and the service's app may load different copies of this package. */
function isServiceApi(c: IConstruct): c is ServiceApi {
  return (
    Array.isArray((c as Partial<ServiceApi>).routes) &&
    typeof (c as Partial<ServiceApi>).basePath === 'string'
  );
}

function isServiceFunction(c: IConstruct): c is ServiceFunction {
  const source = (c as Partial<ServiceFunction>).source;
  return typeof source === 'object' && source !== null && typeof source.handler === 'string';
}
