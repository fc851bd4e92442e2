module github.com/memrel-go/memrel/conformance

go 1.24

require (
	github.com/mattn/go-sqlite3 v1.14.53
	github.com/memrel-go/memrel v0.0.0
)

require (
	github.com/hashicorp/go-immutable-radix v1.3.1 // indirect
	github.com/hashicorp/go-memdb v1.3.5 // indirect
	github.com/hashicorp/golang-lru v0.5.4 // indirect
)

replace github.com/memrel-go/memrel => ../
