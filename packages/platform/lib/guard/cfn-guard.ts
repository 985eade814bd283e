// cfn-guard runs from @shared-lambda-infra/rehearse, which the deploy rehearsal shares with the platform.
export {
  cfnGuardBinary,
  evaluateGuardRules,
  evaluateGuardRulesOnEach,
  type GuardFinding,
  guardHookStackInput,
  type HookInputOptions,
} from '@shared-lambda-infra/rehearse';
