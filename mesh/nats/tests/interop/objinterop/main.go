// objinterop drives the official nats.go object store (Debian's nats.go
// 1.22) for Tower's interop test (tests/obj_test.cc, ObjInteropTest).
//
// Build (GOPATH mode, with Debian's packaged sources; no network):
//
//	cd mesh/nats/tests/interop/objinterop
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o /tmp/objinterop .
//
// Usage:
//
//	objinterop URL create BUCKET
//	objinterop URL put BUCKET NAME FILE [DESCRIPTION [HEADER=VALUE]...]
//	objinterop URL get BUCKET NAME FILE   (writes the content to FILE)
//	objinterop URL info BUCKET NAME       (prints the ObjectInfo as JSON)
//	objinterop URL list BUCKET            (prints the names, one a line)
//	objinterop URL delete BUCKET NAME
//
// Exit status 0 on success; 2 when the object or bucket is not found; 1 on
// any other error (the error goes to stderr).
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, "objinterop:", err)
	if errors.Is(err, nats.ErrObjectNotFound) || errors.Is(err, nats.ErrStreamNotFound) ||
		errors.Is(err, nats.ErrNoObjectsFound) {
		os.Exit(2)
	}
	os.Exit(1)
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: objinterop URL create|put|get|info|list|delete BUCKET ...")
		os.Exit(1)
	}
	url, op, bucket := os.Args[1], os.Args[2], os.Args[3]
	args := os.Args[4:]
	nc, err := nats.Connect(url, nats.Timeout(5*time.Second))
	if err != nil {
		fail(err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		fail(err)
	}
	if op == "create" {
		if _, err := js.CreateObjectStore(&nats.ObjectStoreConfig{Bucket: bucket}); err != nil {
			fail(err)
		}
		return
	}
	obs, err := js.ObjectStore(bucket)
	if err != nil {
		fail(err)
	}
	switch op {
	case "put":
		if len(args) < 2 {
			fail(errors.New("put needs NAME FILE"))
		}
		data, err := os.ReadFile(args[1])
		if err != nil {
			fail(err)
		}
		meta := &nats.ObjectMeta{Name: args[0]}
		if len(args) > 2 {
			meta.Description = args[2]
		}
		for i := 3; i < len(args); i++ {
			kv := args[i]
			k, v, _ := strings.Cut(kv, "=")
			if meta.Headers == nil {
				meta.Headers = nats.Header{}
			}
			meta.Headers.Add(k, v)
		}
		if _, err := obs.Put(meta, strings.NewReader(string(data))); err != nil {
			fail(err)
		}
	case "get":
		if len(args) < 2 {
			fail(errors.New("get needs NAME FILE"))
		}
		data, err := obs.GetBytes(args[0])
		if err != nil {
			fail(err)
		}
		if err := os.WriteFile(args[1], data, 0o600); err != nil {
			fail(err)
		}
	case "info":
		if len(args) < 1 {
			fail(errors.New("info needs NAME"))
		}
		info, err := obs.GetInfo(args[0])
		if err != nil {
			fail(err)
		}
		out, _ := json.Marshal(info)
		fmt.Println(string(out))
	case "list":
		infos, err := obs.List()
		if err != nil && !errors.Is(err, nats.ErrNoObjectsFound) {
			fail(err)
		}
		var names []string
		for _, i := range infos {
			names = append(names, i.Name)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Println(n)
		}
	case "delete":
		if len(args) < 1 {
			fail(errors.New("delete needs NAME"))
		}
		if err := obs.Delete(args[0]); err != nil {
			fail(err)
		}
	default:
		fail(errors.New("unknown operation " + op))
	}
}
