package relations

import (
	"github.com/memrel-go/memrel/internal/engine"
	"github.com/memrel-go/memrel/store"
)

// eng is what package store lends the relations layer: the untyped reads
// and writes beneath the typed API (see package engine).
var eng = engine.Borrow[store.Tx, store.TableInfo, store.DeleteResult, store.AnyTable, store.IndexDef, store.DB]()

// hooksOf is how the relations layer takes part in the store's operations.
type hooksOf = engine.Hooks[store.Tx, store.TableInfo, store.DeleteResult]

// builder is the type of build, which the root package borrows to open a
// schema (see package engine).
type builder = func(tables []store.AnyTable, rels []Relation, cons []Constraint) (hooksOf, []store.AnyTable, []*store.IndexDef, error)

func init() { engine.LendBuild(builder(build)) }
