export * from './assembly';
export * from './cfn-guard';
export * from './features';
export * from './iam-model';
export * from './rehearse';
export * from './schemas';
