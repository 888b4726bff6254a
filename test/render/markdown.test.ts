import {
  codeSpan,
  escapeMarkdown,
  fenceFor,
  markdownLink,
  safeUrl,
  truncateUtf8,
  utf8Length,
  ZWJ,
} from "../../src/render/markdown.js";

describe("escapeMarkdown", () => {
  it("puts a zero-width joiner after @ so no user or team is mentioned", () => {
    const out = escapeMarkdown("ping @octocat and @acme/security-team");
    expect(out).toBe(`ping @${ZWJ}octocat and @${ZWJ}acme/security-team`);
    expect(out).not.toMatch(/@[A-Za-z0-9]/);
  });

  it("breaks #123, owner/repo#123 and GH-123 references", () => {
    const out = escapeMarkdown("fixes #123, acme/app#7 and GH-45");
    expect(out).not.toMatch(/#[0-9]/);
    expect(out).not.toMatch(/GH-[0-9]/);
    expect(out).toContain(`#${ZWJ}123`);
    expect(out).toContain(`GH-${ZWJ}45`);
  });

  it("shows HTML as text", () => {
    expect(escapeMarkdown('<img src=x onerror="a()"> & <!-- x -->')).toBe(
      '&lt;img src=x onerror="a\\(\\)"&gt; &amp; &lt;!-- x --&gt;',
    );
  });

  it("keeps backticks from opening or closing inline code and fences", () => {
    const out = escapeMarkdown("```\n`code` ``");
    expect(out).not.toMatch(/(^|[^\\])`/);
    expect(out).toBe("\\`\\`\\` \\`code\\` \\`\\`");
  });

  it("escapes table pipes and collapses newlines to one line for a table cell", () => {
    const out = escapeMarkdown("a | b\r\nc\nd\u2028e");
    expect(out).toBe("a \\| b c d e");
    expect(out).not.toContain("\n");
  });

  it("escapes link, image, emphasis, strikethrough and math syntax", () => {
    expect(escapeMarkdown("[x](https://evil) ![i](y) *b* _i_ ~~s~~ $x$")).toBe(
      "\\[x\\]\\(https://evil\\) !\\[i\\]\\(y\\) \\*b\\* \\_i\\_ \\~\\~s\\~\\~ \\$x\\$",
    );
  });

  it("escapes a backslash so it cannot undo the escapes after it", () => {
    expect(escapeMarkdown("\\*")).toBe("\\\\\\*");
  });

  it.each([
    ["# heading", "\\# heading"],
    ["> quote", "&gt; quote"],
    ["- item", "\\- item"],
    ["+ item", "\\+ item"],
    ["1. item", "1\\. item"],
    ["=====", "\\====="],
    ["---", "\\---"],
  ])("neutralises block syntax at the start: %j", (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });

  it("escapes block syntax at the start of every line when newlines are kept", () => {
    expect(escapeMarkdown("ok\n# title\n- item\n> q", { keepNewlines: true })).toBe(
      "ok\n\\# title\n\\- item\n&gt; q",
    );
  });

  it("leaves ordinary text, image names and inner hyphens alone", () => {
    expect(escapeMarkdown("image ghcr.io/acme/web-app:1.2.3 uses tag latest")).toBe(
      "image ghcr.io/acme/web-app:1.2.3 uses tag latest",
    );
  });

  it("replaces bidirectional overrides and control characters so they are visible", () => {
    expect(escapeMarkdown("a\u202eb\u0000c\td")).toBe("a\ufffdb\ufffdc d");
  });
});

describe("codeSpan and fenceFor", () => {
  it("uses a fence longer than any backtick run inside", () => {
    expect(codeSpan("a`b``c")).toBe("```a`b``c```");
    expect(codeSpan("`x`")).toBe("`` `x` ``");
    expect(codeSpan("plain")).toBe("`plain`");
  });

  it("escapes pipes inside a code span in a table cell", () => {
    expect(codeSpan("a|b", { table: true })).toBe("`a\\|b`");
  });

  it("gives a fence that no line can close", () => {
    expect(fenceFor(["image: nginx"])).toBe("```");
    expect(fenceFor(["```", "x ````"])).toBe("`````");
  });
});

describe("links", () => {
  it("percent-encodes what could end a link destination", () => {
    expect(safeUrl("https://x.test/a b)(<>\"'[]|`\\")).toBe(
      "https://x.test/a%20b%29%28%3C%3E%22%27%5B%5D%7C%60%5C",
    );
    expect(markdownLink("PCK001", "https://x.test/PCK001.md")).toBe(
      "[PCK001](https://x.test/PCK001.md)",
    );
  });
});

describe("truncateUtf8", () => {
  it("returns text that fits unchanged", () => {
    expect(truncateUtf8("héllo", 6, "…")).toBe("héllo");
    expect(utf8Length("héllo")).toBe(6);
  });

  it("cuts on a character boundary and appends the suffix within the limit", () => {
    const text = "ab€€€"; // 2 + 3 * 3 bytes
    const out = truncateUtf8(text, 8, "…"); // "…" is 3 bytes: 5 bytes of text fit, "ab€"
    expect(out).toBe("ab€…");
    expect(utf8Length(out)).toBeLessThanOrEqual(8);
  });

  it("never splits a four-byte character (surrogate pair)", () => {
    const text = "😀".repeat(10);
    for (let max = 0; max < 45; max++) {
      const out = truncateUtf8(text, max, " … 3 more not shown");
      expect(utf8Length(out)).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
      expect(out).not.toContain("\ufffd");
    }
  });

  it("cuts the suffix itself when not even the suffix fits", () => {
    expect(truncateUtf8("abcdef", 3, "… more")).toBe("…");
    expect(truncateUtf8("abcdef", 0, "…")).toBe("");
  });

  it("counts bytes, not UTF-16 units", () => {
    const text = "é".repeat(40_000); // 80,000 bytes, 40,000 units
    const out = truncateUtf8(text, 65_535, "… 1 more not shown");
    expect(utf8Length(out)).toBeLessThanOrEqual(65_535);
    expect(Buffer.byteLength(out, "utf8")).toBe(utf8Length(out));
    expect(out.endsWith("… 1 more not shown")).toBe(true);
  });
});
