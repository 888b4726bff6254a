// A one-container Deployment whose `privileged:` is on line 12 (the rendering tests' fixture).
export const deployment = (privileged: boolean, name = "web") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  template:
    spec:
      containers:
        - name: ${name}
          image: ghcr.io/acme/${name}:1.0.0
          securityContext:
            privileged: ${privileged}
`;
