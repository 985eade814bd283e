export * from './cfn-guard';
export * from './iam-model';
export * from './schemas';
export * from './assembly';
export * from './features';
export * from './rehearse';
