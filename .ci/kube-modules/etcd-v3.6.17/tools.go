//go:build tools

// Package tools names the commands this module builds, so that go.mod and go.sum
// pin everything they import. It is never compiled.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
)
