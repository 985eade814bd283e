export * from './create-service';
export { PLATFORM_SCOPE, pascalCase, serviceFiles, type TemplateOptions } from './template';
