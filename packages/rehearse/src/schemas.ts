import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** A CloudFormation handler of a resource type; `list` serves discovery, never a stack operation. */
export type Handler = 'create' | 'read' | 'update' | 'delete' | 'list';

/** The handlers a stack operation runs: create, update and delete, and read (drift, imports, updates). */
export const DEPLOY_HANDLERS: readonly Handler[] = ['create', 'read', 'update', 'delete'];

/**
 * What the rehearsal reads of a resource type's registry schema.
 * @see https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html
 */
export interface RegistrySchema {
  /** `handlers.{create,read,update,delete,list}.permissions`. */
  readonly handlers: Partial<Record<Handler, string[]>>;
  /** `tagging`: whether CloudFormation propagates stack tags to the resource, and with what permissions. */
  readonly tagging?: {
    readonly taggable?: boolean;
    readonly tagOnCreate?: boolean;
    readonly tagUpdatable?: boolean;
    readonly cloudFormationSystemTags?: boolean;
    readonly tagProperty?: string;
    readonly permissions?: string[];
  };
  /** JSON pointers of the properties that identify a resource (its `Ref`, mostly). */
  readonly primaryIdentifier?: string[];
  /** The read-only properties (the attributes `Fn::GetAtt` returns, `Arn` among them). */
  readonly readOnlyProperties?: string[];
}

/** The vendored data file (packages/rehearse/data/registry-schemas.json). */
export interface RegistrySchemaFile {
  readonly $comment: string;
  /** Where the schemas were read: repository, folder, commit and its date. */
  readonly source: { repository: string; path: string; commit: string; date: string };
  readonly types: Record<string, RegistrySchema & { source: { path: string; commit: string; date: string } }>;
}

/**
 * Types a template holds that are not in the CloudFormation registry, with the reason: a rehearsal
 * handles each explicitly instead of looking for a schema.
 */
export const NOT_REGISTRY_TYPES: Readonly<Record<string, string>> = {
  'AWS::CDK::Metadata':
    'CDK analytics metadata: CloudFormation creates nothing for it and needs no permission (it is not a registry type).',
  'AWS::CloudFormation::CustomResource':
    'A custom resource: CloudFormation invokes its service token (checked as lambda:InvokeFunction), it has no schema.',
};

/** The subset of a published schema document that {@link RegistrySchema} keeps. */
export function registrySchemaSubset(schema: Record<string, unknown>): RegistrySchema {
  const handlers = (schema.handlers ?? {}) as Record<string, { permissions?: string[] }>;
  const tagging = schema.tagging as RegistrySchema['tagging'] | undefined;
  return {
    handlers: Object.fromEntries(
      (['create', 'read', 'update', 'delete', 'list'] as const)
        .filter((h) => handlers[h])
        .map((h) => [h, [...(handlers[h].permissions ?? [])]]),
    ),
    ...(tagging ? { tagging } : {}),
    ...(schema.primaryIdentifier ? { primaryIdentifier: schema.primaryIdentifier as string[] } : {}),
    ...(schema.readOnlyProperties ? { readOnlyProperties: schema.readOnlyProperties as string[] } : {}),
  };
}

let loaded: RegistrySchemaFile | undefined;

/** The vendored registry schemas. */
export function registrySchemas(): RegistrySchemaFile {
  if (!loaded) {
    const file = path.join(__dirname, '..', 'data', 'registry-schemas.json');
    loaded = JSON.parse(readFileSync(file, 'utf8')) as RegistrySchemaFile;
  }
  return loaded;
}

/** Whether a type is a custom resource (`Custom::*` or `AWS::CloudFormation::CustomResource`). */
export function isCustomResource(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}
