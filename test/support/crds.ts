// A CustomResourceDefinition of example.com/v1 `kind` (spec.size a string) and an object of it
// that breaks it (size 3): the CRD-search tests' fixtures.

export const crd = (kind: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${kind.toLowerCase()}s.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: ${kind}, plural: ${kind.toLowerCase()}s}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, properties: {size: {type: string}}}
`;

export const custom = (kind: string) =>
  `apiVersion: example.com/v1\nkind: ${kind}\nmetadata: {name: w, namespace: x}\nspec: {size: 3}\n`;
