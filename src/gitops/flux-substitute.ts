// Flux post-build substitution (Kustomization `spec.postBuild`), as kustomize-controller runs it:
// envsubst over each built resource's YAML text, then the text read again. So a variable can make
// a key (`${NETKEY}: true`) or a value of any type (`hostPID: ${T}${RUE}`), not only a string.
// Only `${var}` forms are substituted (`$var` is left alone, `$${var}` is a literal `${var}`).

/** The variables a Kustomization substitutes, as far as the repository tells them. */
export interface SubstitutionVars {
  /** Values known from the repository: `postBuild.substitute`, ConfigMaps of the repository. */
  readonly values: Readonly<Record<string, string>>;
  /** Variables that are set but whose value is never read (a Secret), with where they come from. */
  readonly unknown: ReadonlyMap<string, string>;
  /** A `substituteFrom` source outside the repository: any other variable may come from it. */
  readonly external?: string;
}

/** The annotation or label that turns substitution off for one resource. */
export const SUBSTITUTE_DISABLED = "kustomize.toolkit.fluxcd.io/substitute";

// `${name}`, `${name:=default}`, `${name:-default}`, `${name=default}`, `${name-default}`.
const VARIABLE = /^\$\{([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[=-])([^}$]*))?\}/;

/**
 * The text with its variables substituted, or why it cannot be known: a variable whose value
 * only a Secret or a source outside the repository gives, or a `${...}` form (bash string
 * functions, nesting, no closing brace) Portcullis does not reproduce.
 */
export function substituteText(
  text: string,
  vars: SubstitutionVars,
): { text: string } | { notEvaluated: string } {
  // Flux substitutes nothing when it has no variables at all.
  if (Object.keys(vars.values).length === 0 && vars.unknown.size === 0 && !vars.external)
    return { text };
  let out = "";
  let i = 0;
  for (let at = text.indexOf("${"); at >= 0; at = text.indexOf("${", i)) {
    if (at > 0 && text[at - 1] === "$") {
      // `$${var}`: the literal `${var}`.
      out += text.slice(i, at - 1) + "${";
      i = at + 2;
      continue;
    }
    out += text.slice(i, at);
    const m = VARIABLE.exec(text.slice(at));
    if (!m)
      return {
        notEvaluated: `it uses ${JSON.stringify(text.slice(at, at + 40).split("\n")[0])}, a substitution form Portcullis does not reproduce`,
      };
    const [token, name, op, fallback] = m as unknown as [string, string, string?, string?];
    const value = valueOf(name, vars);
    if (typeof value === "object") return value;
    out +=
      op === undefined
        ? (value ?? "")
        : op.startsWith(":")
          ? value === undefined || value === ""
            ? (fallback ?? "")
            : value
          : (value ?? fallback ?? "");
    i = at + token.length;
  }
  return { text: out + text.slice(i) };
}

function valueOf(
  name: string,
  vars: SubstitutionVars,
): string | undefined | { notEvaluated: string } {
  if (Object.hasOwn(vars.values, name)) return vars.values[name];
  const unknown = vars.unknown.get(name);
  if (unknown !== undefined)
    return {
      notEvaluated: `its variable ${name} comes from ${unknown}, whose values are never read`,
    };
  if (vars.external)
    return {
      notEvaluated: `its variable ${name} may come from ${vars.external}, which is not in the repository`,
    };
  return undefined;
}
