import { beforeAll, describe, expect, it } from 'vitest';
import type { IamModel } from '../../packages/platform/test/helpers/iam-model';
import { buildSecurityEnvironment } from './environment';
import { MATRIX } from './matrix';

// One synthesis of the platform (compliance packs on, pinned account and region) and of both
// services' kitchen-sink stacks; every question below is asked of the real IAM evaluator.
let model: IamModel;
beforeAll(() => {
  model = buildSecurityEnvironment().model;
});

describe('who can do what to whom (docs/security.md)', () => {
  for (const row of MATRIX) {
    it(`${row.who}: ${row.request} is ${row.expected}`, async () => {
      expect(await row.ask(model)).toBe(row.expected === 'allowed');
    });
  }
});
