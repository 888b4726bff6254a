// Types of generate-manifests.mjs for the tests that generate a large set with it.
export function generateCorpus(dir: string, files?: number, seed?: number): string;
export function generateResources(
  dir: string,
  resources: number,
  seed?: number,
): { dir: string; files: number; resources: number };
