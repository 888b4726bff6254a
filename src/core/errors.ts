// Anything thrown, as a one-line message: Errors, strings, and the plain objects opa-wasm throws.

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "string") return err;
  if (err && typeof err === "object" && "message" in err)
    return String((err as { message: unknown }).message);
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}
