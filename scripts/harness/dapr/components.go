package main

import (
	"github.com/dapr/components-contrib/nameresolution/kubernetes"
	"github.com/dapr/components-contrib/pubsub/kafka"
	secretstoreKubernetes "github.com/dapr/components-contrib/secretstores/kubernetes"
	"github.com/dapr/components-contrib/secretstores/local/file"
	postgresv1 "github.com/dapr/components-contrib/state/postgresql/v1"
	postgresv2 "github.com/dapr/components-contrib/state/postgresql/v2"
	"github.com/dapr/dapr/pkg/components"
	nameresolutionLoader "github.com/dapr/dapr/pkg/components/nameresolution"
	pubsubLoader "github.com/dapr/dapr/pkg/components/pubsub"
	secretstoresLoader "github.com/dapr/dapr/pkg/components/secretstores"
	stateLoader "github.com/dapr/dapr/pkg/components/state"
)

// The chart's components (pubsub.kafka, state.postgresql); what a sidecar in Kubernetes mode
// loads by itself (the kubernetes secret store and name resolver), for the test node's injected
// sidecars; and, for self-hosted runs, the local file secret store that stands in for Kubernetes
// Secrets.
func init() {
	pubsubLoader.DefaultRegistry.RegisterComponent(kafka.NewKafka, "kafka")
	stateLoader.DefaultRegistry.RegisterComponentWithVersions("postgresql", components.Versioning{
		Preferred: components.VersionConstructor{Version: "v2", Constructor: postgresv2.NewPostgreSQLStateStore},
		Others:    []components.VersionConstructor{{Version: "v1", Constructor: postgresv1.NewPostgreSQLStateStore}},
		Default:   "v1",
	})
	secretstoresLoader.DefaultRegistry.RegisterComponent(file.NewLocalSecretStore, "local.file")
	secretstoresLoader.DefaultRegistry.RegisterComponent(secretstoreKubernetes.NewKubernetesSecretStore, "kubernetes")
	nameresolutionLoader.DefaultRegistry.RegisterComponent(kubernetes.NewResolver, "kubernetes")
}
