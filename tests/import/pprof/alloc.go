// alloc: a Go program whose heap profiles tests/import/pprof.sh reads
// (heapsift's pprof importer against go tool pprof).  Every allocation is
// sampled (MemProfileRate 1), from a few functions, some inlined into
// their callers; some memory is kept, some dropped.  It writes two heap
// profiles: BASE after the first phase, TARGET after the second (which
// keeps more and releases some of the first phase's), and with a third
// argument a goroutine profile (not a heap profile: heapsift refuses it).
//
// Usage: alloc BASE.pb.gz TARGET.pb.gz [GOROUTINE.pb.gz]
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

func init() {
	runtime.MemProfileRate = 1
}

// 64 bytes, one size class
type node struct {
	next *node
	pad  [56]byte
}

var (
	live  = make([][]byte, 0, 4096)
	nodes *node
	table map[int][]byte
	sink  []byte
)

// Small enough to be inlined: the allocation's location has two lines,
// buffer (inlined) and its caller.
func buffer(n int) []byte {
	return make([]byte, n)
}

//go:noinline
func keepBuffers(count, size int) {
	for i := 0; i < count; i++ {
		live = append(live, buffer(size))
	}
}

//go:noinline
func temporaries(count, size int) {
	for i := 0; i < count; i++ {
		sink = make([]byte, size)
	}
	sink = nil
}

func link() *node {
	return &node{next: nodes}
}

//go:noinline
func growList(count int) {
	for i := 0; i < count; i++ {
		nodes = link()
	}
}

//go:noinline
func fillTable(count, size int) {
	table = make(map[int][]byte)
	for i := 0; i < count; i++ {
		table[i] = buffer(size)
	}
}

func write(path, profile string) {
	runtime.GC()
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup(profile).WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "alloc:", err)
		os.Exit(1)
	}
}

func main() {
	if len(os.Args) != 3 && len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: alloc BASE.pb.gz TARGET.pb.gz [GOROUTINE.pb.gz]")
		os.Exit(2)
	}
	keepBuffers(100, 4096)
	temporaries(200, 8192)
	growList(1000)
	fillTable(50, 1024)
	write(os.Args[1], "heap")

	keepBuffers(300, 4096)
	temporaries(100, 8192)
	growList(500)
	for i := 0; i < 50; i++ {
		live[i] = nil // half the first phase's buffers go
	}
	table = nil
	write(os.Args[2], "heap")
	if len(os.Args) == 4 {
		write(os.Args[3], "goroutine")
	}
	runtime.KeepAlive(nodes)
}
