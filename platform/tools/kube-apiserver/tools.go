//go:build tools

// Keeps both main packages in the module graph, so `go mod tidy` keeps their requirements.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
