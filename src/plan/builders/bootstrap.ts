import type { Builder } from '../builder.js';

// TODO(placeholder until implemented): see the issue.
export const bootstrapBuilder: Builder = {
  name: 'bootstrap',
  build() {},
};
