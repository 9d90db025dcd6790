// daprd, built from the Dapr Go module with only the components LearnFlow uses (components.go),
// for the tests that run a real sidecar. build.sh explains how.
package main

import "github.com/dapr/dapr/cmd/daprd/app"

func main() { app.Run() }
