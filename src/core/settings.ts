// A setting read from the environment: a value that is set but not what the setting takes is
// refused in one line naming it (the app at start, a command at the process boundary), never
// replaced by a default the operator did not ask for.

type Env = Readonly<Record<string, string | undefined>>;

export class SettingError extends Error {}

/** The longest time Node's timers take (2^31-1 ms, ~24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A whole number above 0 and at most `max`, or undefined when the variable is unset or empty
 * (spaces around the digits are allowed).
 */
export function positiveInteger(
  env: Env,
  name: string,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === "") return undefined;
  if (!/^\d+$/.test(v.trim()) || Number(v) <= 0)
    throw new SettingError(`${name} must be a whole number above 0, not ${JSON.stringify(v)}`);
  if (Number(v) > max)
    throw new SettingError(`${name} must be at most ${max}, not ${JSON.stringify(v)}`);
  return Number(v);
}
