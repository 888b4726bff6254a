# Portcullis: multi-stage build. Stage 1 builds the pinned OPA (tools/go.mod), kustomize
# (tools/kustomize/go.mod) and helm (tools/helm/go.mod) from the Go module proxy, stage 2 builds
# the policy bundle and the TypeScript, stage 3 is a slim non-root runtime that also carries `opa`
# for repository policies, `kustomize` for rendering overlays, `helm` for rendering charts and
# `kyverno` for the repository's Kyverno policies, `kube-schema` for schema validation and
# `cel` (tools/cel: Kubernetes' CEL, for ValidatingAdmissionPolicies and Gatekeeper CEL templates).
# The app: `node dist/index.js` (health: /healthz, /readyz, /metrics). The CLI and the GitHub
# Action: `/app/bin/portcullis` (action.yml runs `portcullis action` as the runner's user).
# Base images are pinned by digest (a tag can be moved); bump the digests deliberately. Only the
# files the build needs enter it (.dockerignore keeps .env and *.pem out of the context as well).
ARG GO_IMAGE=golang:1.26-bookworm@sha256:a688600ca24f8a4d3ca77f95b0dd40704a9fc787c826660eb7ba0b641b8b175d
ARG NODE_IMAGE=node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0

FROM ${GO_IMAGE} AS tools
WORKDIR /src/tools
COPY tools/go.mod tools/go.sum ./
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/opa github.com/open-policy-agent/opa
WORKDIR /src/tools/kustomize
COPY tools/kustomize/go.mod tools/kustomize/go.sum ./
RUN CGO_ENABLED=0 go build -trimpath \
    -ldflags="-s -w -X sigs.k8s.io/kustomize/api/provenance.version=$(go list -m -f '{{.Version}}' sigs.k8s.io/kustomize/kustomize/v5)" \
    -o /out/kustomize sigs.k8s.io/kustomize/kustomize/v5
WORKDIR /src/tools/helm
COPY tools/helm/go.mod tools/helm/go.sum ./
RUN CGO_ENABLED=0 go build -trimpath \
    -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$(go list -m -f '{{.Version}}' helm.sh/helm/v3)" \
    -o /out/helm helm.sh/helm/v3/cmd/helm
WORKDIR /src/tools/yaml-oracle
COPY tools/yaml-oracle/ ./
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/yaml-oracle .
# Kyverno's own CLI for repositories with Kyverno policies (tools/kyverno/go.mod carries Kyverno's
# replace directive; about 13.5 minutes on 2 cores with empty caches).
WORKDIR /src/tools/kyverno
COPY tools/kyverno/go.mod tools/kyverno/go.sum ./
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/kyverno github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno

# kube-schema (tools/kube-schema): a Node script (builtins only) prepares its schemas from Go
# modules of the proxy, then the Go program embeds them.
WORKDIR /src
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs >/dev/null && rm -rf /var/lib/apt/lists/*
COPY scripts/kube-schema.mjs ./scripts/
COPY tools/kube-schema/ ./tools/kube-schema/
RUN node scripts/kube-schema.mjs && cp .tools/bin/kube-schema /out/kube-schema

WORKDIR /src/tools/cel
COPY tools/cel/ ./
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/cel .

FROM ${NODE_IMAGE} AS build
COPY --from=tools /out/opa /out/kustomize /out/helm /out/yaml-oracle /out/kyverno /out/kube-schema /out/cel /usr/local/bin/
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json app.yml ./
COPY bin ./bin
COPY scripts ./scripts
COPY tools ./tools
COPY policies ./policies
COPY src ./src
COPY examples ./examples
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM ${NODE_IMAGE}
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=tools /out/opa /out/kustomize /out/helm /out/yaml-oracle /out/kyverno /out/kube-schema /out/cel /usr/local/bin/
COPY --from=build /app/package.json /app/app.yml ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:3000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/index.js"]
