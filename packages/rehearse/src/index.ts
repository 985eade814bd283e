export * from './cfn-guard';
export * from './iam-model';
export * from './schemas';
