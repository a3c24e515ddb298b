// Package tolk holds what belongs to the module as a whole: the OpenAPI
// contract, embedded so the binary serves exactly the file in the repository.
package tolk

import _ "embed"

// OpenAPI is openapi.yaml, the external contract of the HTTP API.
//
//go:embed openapi.yaml
var OpenAPI []byte
