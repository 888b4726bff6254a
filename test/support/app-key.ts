// A throwaway RSA key for a test GitHub App (Probot signs its JWTs with it).
import { generateKeyPairSync } from "node:crypto";

export const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
