module github.com/memrel-go/memrel/replicate

go 1.25.0

replace github.com/memrel-go/memrel => ../

require (
	github.com/hashicorp/raft v1.8.0
	github.com/hashicorp/raft-boltdb/v2 v2.3.1
	github.com/memrel-go/memrel v0.0.0-00010101000000-000000000000
)

require (
	github.com/armon/go-metrics v0.4.1 // indirect
	github.com/boltdb/bolt v1.3.1 // indirect
	github.com/fatih/color v1.13.0 // indirect
	github.com/hashicorp/go-hclog v1.6.3 // indirect
	github.com/hashicorp/go-immutable-radix v1.3.1 // indirect
	github.com/hashicorp/go-memdb v1.3.5 // indirect
	github.com/hashicorp/go-metrics v0.7.0 // indirect
	github.com/hashicorp/go-msgpack/v2 v2.1.5 // indirect
	github.com/hashicorp/golang-lru v1.0.2 // indirect
	github.com/mattn/go-colorable v0.1.12 // indirect
	github.com/mattn/go-isatty v0.0.14 // indirect
	go.etcd.io/bbolt v1.3.5 // indirect
	golang.org/x/sys v0.47.0 // indirect
)

// raft-boltdb/v2 v2.3.1 imports go-metrics/compat, which go-metrics v0.7.0
// (required by raft v1.8.0) no longer has; v0.6.1 has the same API plus
// compat. This replace holds for this module's builds and tests only: a
// program that imports replicate without raft-boltdb needs nothing of it.
replace github.com/hashicorp/go-metrics => github.com/hashicorp/go-metrics v0.6.1
