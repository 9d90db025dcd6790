// kube-network-policies v0.8.0's NetworkPolicy controller, as its cmd/main.go runs it, but from a
// kubeconfig (v0.8.0 only has rest.InClusterConfig), stopping on SIGTERM as well as SIGINT, and
// without the AdminNetworkPolicy flags. build.sh explains the rest.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/component-base/logs"
	logsapi "k8s.io/component-base/logs/api/v1"
	_ "k8s.io/component-base/logs/json/register"
	nodeutil "k8s.io/component-helpers/node/util"
	"k8s.io/klog/v2"
	"sigs.k8s.io/kube-network-policies/pkg/networkpolicy"
)

var (
	kubeconfig       = flag.String("kubeconfig", "", "Path to a kubeconfig file; empty: the in-cluster config")
	hostnameOverride = flag.String("hostname-override", "", "The Node's name, if not the hostname")
	queueID          = flag.Int("nfqueue-id", 100, "Number of the nfqueue used")
	metricsAddress   = flag.String("metrics-bind-address", "127.0.0.1:9080", "The IP address and port for the metrics server to serve on")
	failOpen         = flag.Bool("fail-open", false, "If set, don't drop packets if the controller is not running")
)

func main() { os.Exit(run()) }

func run() int {
	c := logsapi.NewLoggingConfiguration()
	logsapi.AddGoFlags(c, flag.CommandLine)
	flag.Parse()
	logs.InitLogs()
	if err := logsapi.ValidateAndApply(c, nil); err != nil {
		fmt.Fprintf(os.Stderr, "%v\n", err)
		return 1
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	logger := klog.FromContext(ctx)
	fail := func(err error, msg string) int { logger.Error(err, msg); return 1 }
	if _, _, err := net.SplitHostPort(*metricsAddress); err != nil {
		return fail(err, "parsing metrics bind address")
	}
	nodeName, err := nodeutil.GetHostname(*hostnameOverride)
	if err != nil {
		return fail(err, "can not obtain the node name, use the hostname-override flag")
	}
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return fail(err, "loading the kubeconfig")
	}
	config.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	config.ContentType = "application/vnd.kubernetes.protobuf"
	clientset, err := kubernetes.NewForConfig(config)
	if err != nil {
		return fail(err, "creating the clientset")
	}
	factory := informers.NewSharedInformerFactory(clientset, 0)

	http.Handle("/metrics", promhttp.Handler())
	go func() { logger.Error(http.ListenAndServe(*metricsAddress, nil), "metrics server") }()

	controller, err := networkpolicy.NewController(clientset,
		factory.Networking().V1().NetworkPolicies(), factory.Core().V1().Namespaces(), factory.Core().V1().Pods(),
		nil, nil, nil, nil, // no (Baseline)AdminNetworkPolicy: node informer, npa client, ANP and BANP informers
		// NRI stays on, as upstream's main leaves it: with no runtime socket it only logs that it cannot
		// connect, whereas NRIdisabled leaves a nil plugin that v0.8.0 calls without checking.
		networkpolicy.Config{FailOpen: *failOpen, QueueID: *queueID, NodeName: nodeName, NetfilterBug1766Fix: true})
	if err != nil {
		return fail(err, "Can not start network policy controller")
	}
	done := make(chan error, 1)
	go func() { done <- controller.Run(ctx) }()
	factory.Start(ctx.Done())

	select {
	case err := <-done: // Run returns early only if the nfqueue could not be opened or bound
		if ctx.Err() == nil {
			return fail(err, "network policy controller stopped")
		}
	case <-ctx.Done(): // Run's deferred cleanup deletes its nftables table and closes the queue
		select {
		case <-done:
		case <-time.After(5 * time.Second): // v0.8.0's grace period
		}
	}
	return 0
}
