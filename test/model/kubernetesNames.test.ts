// Kubernetes' name syntax as apimachinery's validation tests state it (valid and invalid examples
// from IsQualifiedName / IsValidLabelValue), kubelet's own-label restriction, and OpenSSH key lines.
import { describe, expect, test } from 'vitest';
import { kubeletRefusesLabel, labelValueProblem, qualifiedNameProblem, sshPublicKeyProblem } from '../../src/model/kubernetesNames.js';
import { SSH_KEY } from './nameRuleCases.js';

describe('qualified names (label and taint keys)', () => {
  test.each(['simple', 'now-with-dashes', '1-starts-with-num', '1234', 'simple/simple', 'now-with-dashes/simple', 'now-with-dashes/now-with-dashes', 'now.with.dots/simple', 'now-with.dashes-and.dots/simple', '1-num.2-num/3-num', '1234/5678', '1.2.3.4/5678', 'Uppercase_Is_OK_123', 'example.com/Uppercase_Is_OK_123', 'requests.storage-foo', `${'a'.repeat(63)}`, `${'a'.repeat(253)}/${'b'.repeat(63)}`])(
    'accepts %s',
    (key) => expect(qualifiedNameProblem(key)).toBeUndefined(),
  );
  test.each(['nospecialchars%^=@', 'cantendwithadash-', '-cantstartwithadash-', 'only/one/slash', 'Example.com/abc', 'example_com/abc', 'example.com/', '/simple', `${'a'.repeat(64)}`, `${'a'.repeat(254)}/abc`, 'has space', 'a\nb', '$(reboot)', ''])(
    'refuses %j',
    (key) => expect(qualifiedNameProblem(key)).toBeTypeOf('string'),
  );
});

describe('label values (also taint values)', () => {
  test.each(['', 'simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', 'a'.repeat(63), 'Upper.Case_1'])('accepts %j', (v) =>
    expect(labelValueProblem(v)).toBeUndefined(),
  );
  test.each(['nospecialchars%^=@', 'Tama-nui-te-rā.is.Māori.sun', '\\backslashes', '-starts-with-dash', 'ends-with-dash-', '.starts.with.dot', 'ends.with.dot.', 'a'.repeat(64), 'line\nbreak', 'quo"te', 'a,b', 'a=b'])('refuses %j', (v) =>
    expect(labelValueProblem(v)).toBeTypeOf('string'),
  );
});

describe("kubelet's own labels", () => {
  test.each(['kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'node.kubernetes.io/instance-type', 'node.kubernetes.io/anything', 'kubelet.kubernetes.io/x', 'sub.node.kubernetes.io/x', 'example.com/role', 'role', 'kubernetes.io.example.com/x'])(
    'kubelet sets %s',
    (key) => expect(kubeletRefusesLabel(key)).toBe(false),
  );
  test.each(['node-role.kubernetes.io/worker', 'node-role.kubernetes.io/control-plane', 'kubernetes.io/role', 'k8s.io/x', 'example.k8s.io/x', 'topology.kubernetes.io/rack'])('kubelet refuses %s', (key) =>
    expect(kubeletRefusesLabel(key)).toBe(true),
  );
});

describe('ssh authorized keys', () => {
  test.each([SSH_KEY, SSH_KEY.replace(/ ops@example$/, ''), `from="10.0.0.0/8",no-pty ${SSH_KEY}`])('accepts %s', (k) => expect(sshPublicKeyProblem(k)).toBeUndefined());
  test.each([
    [`${SSH_KEY}\nssh-rsa AAAAB3 evil`, /more than one line/],
    [`${SSH_KEY}\r`, /more than one line/],
    ['-----BEGIN OPENSSH PRIVATE KEY-----', /no OpenSSH key type/],
    ['ssh-ed25519', /not base64/],
    ['ssh-ed25519 not*base64', /not base64/],
    ['ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIKsprayExampleKeyOnlyNotARealKeyxxxxxxxxxx', /not an OpenSSH ssh-rsa public key/],
    ['ssh-ed25519 AAAA', /not an OpenSSH ssh-ed25519 public key/],
  ])('refuses %j', (k, why) => expect(sshPublicKeyProblem(k)).toMatch(why));
});
