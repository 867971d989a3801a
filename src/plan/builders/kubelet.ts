import type { Builder } from '../builder.js';

// TODO(placeholder until implemented): see the issue.
export const kubeletBuilder: Builder = {
  name: 'kubelet',
  build() {},
};
