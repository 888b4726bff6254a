// The one way into manifest reading: text -> documents with values and positions, or the problems
// that refused them (PCS001, PCS002, PCS005). Its readers stay behind it: the line reader
// (block-yaml.ts) for the subset proven to read as Kubernetes' readers do (agreed.ts), the
// consumers' own readers (oracle.ts, consumers.ts) for the rest, and the `yaml` package for
// positions and problems (manifest.ts). docs/parsing.md describes the guarantee.
export {
  commentsByLine,
  DEFAULT_PARSE_LIMITS,
  isMergeKey,
  parseManifest,
  parseManifestWithPositions,
} from "./manifest.js";
export type { FileProblem, Located, ParsedDocument, ParsedFile, ParseLimits } from "./types.js";
