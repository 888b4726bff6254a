import {
  annotationWaivers,
  commentWaiver,
  isExpired,
  parseWaiverText,
} from "../../src/core/waivers.js";

describe("waivers", () => {
  it("parses rules, an expiry and a reason", () => {
    expect(
      parseWaiverText(" PCK007,pck012 until=2027-03-01 -- legacy app writes to /tmp", "comment", 4),
    ).toEqual({
      rules: ["PCK007", "PCK012"],
      waiver: {
        rules: ["PCK007", "PCK012"],
        reason: "legacy app writes to /tmp",
        expires: "2027-03-01",
        source: "comment",
        line: 4,
      },
    });
  });

  it.each([
    ["PCK007", "waiver has no reason (write it after `--`)"],
    ["-- because", "waiver names no rule"],
    ["PCK007 until=2027-02-30 -- x", 'waiver expiry "2027-02-30" is not a date (YYYY-MM-DD)'],
    ["privileged -- x", 'waiver names "PRIVILEGED", which is not a rule id'],
  ])("refuses %j", (text, error) => {
    expect(parseWaiverText(text, "annotation", 1).error).toBe(error);
  });

  it("treats the expiry day as the last day the waiver works", () => {
    const { waiver } = parseWaiverText("PCK001 until=2026-05-31 -- x", "comment", 1);
    expect(isExpired(waiver!, "2026-05-31")).toBe(false);
    expect(isExpired(waiver!, "2026-06-01")).toBe(true);
  });

  it("reads several clauses from one annotation", () => {
    const parsed = annotationWaivers(
      "PCK007 -- read-only FS breaks the app; PCK012 -- digest pinned by Flux image automation",
      9,
    );
    expect(parsed.map((p) => [p.rules, p.waiver?.reason])).toEqual([
      [["PCK007"], "read-only FS breaks the app"],
      [["PCK012"], "digest pinned by Flux image automation"],
    ]);
  });

  it("only reads comments that are waivers", () => {
    expect(commentWaiver("just a note", 1)).toBeUndefined();
    expect(commentWaiver("portcullis:ignore PCK001 -- x", 1)?.waiver?.rules).toEqual(["PCK001"]);
  });
});
