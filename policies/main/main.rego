# Entry points of the built-in bundle: every rule's findings for one document, or for a batch.
package portcullis.main

# Findings for `input.document`, each tagged with the id of the rule that produced it.
findings contains object.union(f, {"rule": id}) if {
	some id
	some f in data.portcullis.rules[id].deny
}

# Findings for `input.documents`, a list of {document, file}; result[i] belongs to documents[i].
batch := [fs |
	some item in input.documents
	fs := findings with input as item
]
