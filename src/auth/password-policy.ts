/**
 * The rules a new password must meet (users created or given a password through the API and the admin
 * UI): at least AUTH_PASSWORD_MIN_LENGTH characters, not the user name nor containing it, not in the
 * list of common passwords (about 49,000 from leaked password sets, @zxcvbn-ts/language-common), and a
 * strength estimate of at least AUTH_PASSWORD_MIN_SCORE out of 4 (@zxcvbn-ts/core: how many guesses a
 * cracker needs, knowing words, names, dates, keyboard runs and the user's own name). A broken rule is a
 * 400 problem+json naming it, in the words the administrator reads.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import type { Config } from '../config.ts';
import { HubError } from '../errors.ts';

export type PasswordRule = 'length' | 'username' | 'common' | 'strength';

export type PasswordPolicyConfig = Pick<Config, 'AUTH_PASSWORD_MIN_LENGTH' | 'AUTH_PASSWORD_MIN_SCORE'>;

// Loading the dictionaries takes ~0.4 s: once, on the first password checked, not at every start.
let estimator: ZxcvbnFactory | undefined;
let commonPasswords: Set<string> | undefined;
const load = () => {
  commonPasswords ??= new Set(common.dictionary['passwords-common']);
  // Only the first 100 characters are estimated (the estimate's cost grows with the length; a longer
  // password is strong for that alone).
  estimator ??= new ZxcvbnFactory({
    dictionary: common.dictionary,
    graphs: common.adjacencyGraphs,
    maxLength: 100,
  });
  return { estimator, commonPasswords };
};

/** The first rule the password breaks, with its message, or undefined when it meets them all. */
export function brokenPasswordRule(
  password: string,
  user: { username: string; displayName?: string },
  config: PasswordPolicyConfig,
): { rule: PasswordRule; message: string } | undefined {
  const length = [...password].length;
  const min = config.AUTH_PASSWORD_MIN_LENGTH;
  if (length < min) return { rule: 'length', message: `密码至少 ${min} 个字符，现在只有 ${length} 个` };
  const lower = password.toLowerCase();
  if (lower.includes(user.username.toLowerCase()))
    return { rule: 'username', message: '密码不能是用户名，也不能包含用户名' };
  const { estimator: zxcvbn, commonPasswords: list } = load();
  if (list.has(lower.trim())) return { rule: 'common', message: '这是常见密码，很容易被猜中，请换一个' };
  const { score } = zxcvbn.check(password, [user.username, user.displayName ?? '']);
  const minScore = config.AUTH_PASSWORD_MIN_SCORE;
  if (score < minScore)
    return {
      rule: 'strength',
      message: `密码太容易被猜中（强度 ${score}/4，至少要 ${minScore}）：不要用单词、姓名、日期或键盘上连着的字符，可以用几个不相干的词加上数字或符号`,
    };
  return undefined;
}

/** Throws 400 naming the broken rule (problem+json: errors[body.password], `rule`). */
export function assertPasswordPolicy(
  password: string,
  user: { username: string; displayName?: string },
  config: PasswordPolicyConfig,
): void {
  const broken = brokenPasswordRule(password, user, config);
  if (!broken) return;
  throw new HubError('validation', `密码不符合要求：${broken.message}`, {
    status: 400,
    errors: [{ field: 'body.password', message: broken.message }],
    extensions: { rule: broken.rule },
  });
}
