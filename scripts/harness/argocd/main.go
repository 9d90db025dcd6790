// Argo CD's application controller and repo server, as its cmd/main.go runs them, in one binary
// whose first argument names the component: the test node cannot pull Argo CD's image, and the
// suite needs no API server, UI or Dex. build.sh explains the rest.
package main

import (
	"fmt"
	"os"

	appcontroller "github.com/argoproj/argo-cd/v3/cmd/argocd-application-controller/commands"
	reposerver "github.com/argoproj/argo-cd/v3/cmd/argocd-repo-server/commands"
	"github.com/argoproj/argo-cd/v3/util/log"
	"github.com/spf13/cobra"
	"k8s.io/klog/v2"
)

func main() {
	// As Argo CD's main does: klog through Argo CD's logger, at its level and in its format.
	klog.SetLogger(log.NewLogrusLogger(log.NewWithCurrentConfig()))
	components := map[string]func() *cobra.Command{
		"application-controller": appcontroller.NewCommand,
		"repo-server":            reposerver.NewCommand,
	}
	var newCommand func() *cobra.Command
	if len(os.Args) > 1 {
		newCommand = components[os.Args[1]]
	}
	if newCommand == nil {
		fmt.Fprintln(os.Stderr, "usage: argocd application-controller|repo-server [FLAGS]")
		os.Exit(2)
	}
	command := newCommand()
	command.SetArgs(os.Args[2:])
	if err := command.Execute(); err != nil {
		os.Exit(1)
	}
}
