import type { Builder } from '../builder.js';

// TODO(placeholder until implemented): see the issue.
export const apiserverProxyBuilder: Builder = {
  name: 'apiserverProxy',
  build() {},
};
