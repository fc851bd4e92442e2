// Package memrel is an embedded, in-memory relational store: rows are plain
// Go structs in go-memdb tables (one writer, lock-free readers, snapshots),
// and a relations layer enforces what Django's ORM does, inside one
// transaction: foreign keys with every on-delete rule, one-to-one and
// many-to-many relations, unique and check constraints, and deletes that
// collect the whole graph first, then apply it all or refuse it.
//
// This package is the one to import. Its types are aliases of the types of
// packages [store] (tables, transactions, indexes) and [relations]
// (relations, constraints, loading), where their methods are documented;
// the map below links to each.
//
// # Type parameters
//
// The names are the same everywhere: T is a row type (a struct) and K its
// primary key type (an integer or a string, see [store.Key]); C and P are
// the child and parent row types of a foreign key; A, B (with keys AK, BK)
// are the two sides of a many-to-many relation, L and LK its link row and
// key; V is the type of an indexed or unique value, G of an index's group.
//
// # Declare
//
// Declare each table once, usually as a package-level variable, with
// [NewTable]; then declare on it what Django declares in a model. A field is
// named by a field reference, &row.Field where row is the zero row
// [Fields] returns, so the compiler checks the field and its type:
//
//   - [ForeignKey] and [OneToOne], with an on-delete rule ([Cascade],
//     [Protect], [Restrict], [SetNull], [SetDefault], [Set], [DoNothing]);
//     a field of type [Null] makes the key nullable. Builder methods:
//     [relations.FK.Related] (the reverse name), [relations.FK.Named],
//     [relations.FK.Default], [relations.FK.DefaultNull],
//     [relations.FK.SetTo], [relations.FK.SetToNull], [relations.FK.SetFunc],
//     [relations.FK.NoConstraint] (Django's db_constraint=False).
//   - [ManyToMany] (an automatic link table) and [ManyToManyThrough] (a link
//     table of yours), with [relations.M2M.Related],
//     [relations.M2M.Symmetrical] and [relations.M2M.Reverse].
//   - [Unique] on a field, [UniqueTogether] on two, [UniqueFunc] on a
//     computed value (a struct or array for more fields); partial with
//     [relations.UniqueConstraint.Where]. [Check], and [CheckNullable] (an
//     empty field passes, as SQL's CHECK).
//   - [NewIndex] and [NewGroupedIndex] (on fields), [NewIndexFunc] and
//     [NewGroupedIndexFunc] (on computed values): ordered secondary indexes.
//   - Table options and methods: [Default] and [DefaultFunc] fill fields a
//     new row leaves zero; [store.Table.Defaults] runs a function on each new
//     row; [store.Table.CallerKeys] makes the caller choose every key.
//   - Hooks, inside the transaction (Django's pre_save and pre_delete):
//     [store.Table.BeforeInsert], [store.Table.BeforeUpdate] and
//     [store.Table.BeforeDelete] may change or refuse a write.
//
// # Open
//
// [Open] takes a [Schema] listing the tables, and with each table everything
// declared on it: nothing declared can be left out. It reports every
// problem of the schema at once, each wrapping [ErrSchema].
//
// # Draw
//
// [Mermaid] writes a DB's schema as a Mermaid erDiagram and [DOT] as a
// Graphviz graph: tables with their keys and fields, relations with their
// cardinality and on-delete rule, many-to-many relations through their
// link tables, unique and check constraints by name. The output is
// deterministic.
//
// # Leave for SQL
//
// [WriteSQLSchema] writes a DB's schema as SQL DDL for [SQLite] or
// [PostgreSQL] (a [SQLDialect]), and returns every [SQLGap]: what the SQL
// lacks, such as a check written in Go with no SQL form. Give a check its
// SQL with [relations.CheckConstraint.SQL], a partial unique constraint's
// condition with [relations.UniqueConstraint.WhereSQL]. [WriteSQLData]
// writes a transaction's rows as INSERT statements that load into the
// database the DDL made and satisfy every constraint.
//
// # Transactions
//
// [store.DB.Update] runs a function in a write transaction and commits it
// if the function returns nil; on an error, a panic or runtime.Goexit, the
// DB is left as it was. [store.DB.View] runs a read transaction on a
// snapshot. [store.Tx.Atomic] is a nested atomic block. The manual forms:
// [store.DB.BeginWrite], [store.DB.BeginRead], [store.Tx.Commit],
// [store.Tx.Abort]; with a context: [store.DB.UpdateContext],
// [store.DB.ViewContext], [store.DB.BeginWriteContext].
// [store.Tx.DeferForeignKeys] defers a write transaction's foreign-key
// checks to its Commit, which reports every dangling key at once (rows can
// then be written in any order, cycles included);
// [store.Tx.ForeignKeysDeferred] tells whether it was called.
// [store.Tx.AfterCommit] runs a function once the transaction is committed,
// with its change set ([store.Tx.Changes]; read per table with
// [store.Table.Changes]). Every commit gets a revision
// ([store.Tx.Revision]); a DB that keeps its last change sets
// ([store.DB.KeepChanges]) gives a consumer what changed since a revision
// ([store.DB.ChangesSince]). A read can watch what it read, and [Wait] for
// its next change: [store.Table.Watch], [store.Table.WatchKey],
// [store.Index.WatchRange], [relations.FK.WatchChildren].
// [store.DB.Snapshot] forks the whole DB in O(1): the pattern for a test
// that gives each case its own copy of a fixture. [store.DB.Check] and
// [store.Tx.Check] verify every invariant.
//
// # Read
//
// [store.Table.Get], [store.Table.GetMany], [store.Table.Has], [store.Table.All],
// [store.Table.Where], [store.Table.Len]; by index:
// [store.Index.Get], [store.Index.First], [store.Index.Count],
// [store.Index.Ascend], [store.Index.Descend], [store.Index.AscendRange]
// and the other range methods, [store.GroupedIndex.Ascend] and its
// siblings; by unique value: [relations.UniqueConstraint.Get].
// Django's get_or_create: [store.Table.GetOrCreate] (by key) and
// [relations.UniqueConstraint.GetOrCreate] (by a unique value).
//
// # Write
//
// [store.Table.Insert] (the key comes from the table's sequence when left
// zero), [store.Table.InsertWith], [store.Table.InsertOrSkip] (a row that
// collides on a unique key is skipped, without an error), [store.Table.Update],
// [store.Table.Modify] (read, change and write one row) and
// [store.Table.Delete], which applies the on-delete rules to the whole graph
// and reports what it did in a [DeleteResult]; [store.Table.DeletePreview]
// reports what it would do, in a [DeletePlan], without writing anything
// (in a read transaction too), as Django admin's confirmation page.
// Many-to-many links:
// [relations.M2MSide.Add], [relations.M2MSide.AddWith],
// [relations.M2MSide.Remove], [relations.M2MSide.Set],
// [relations.M2MSide.SetWith], [relations.M2MSide.Clear].
//
// # Follow relations
//
// Forward: [relations.FK.Parent], [relations.FK.ParentKey]. Backward:
// [relations.FK.Children], [relations.FK.Count], [relations.FK.Orphans],
// [relations.OneToOneFK.Child]. Many-to-many: [relations.M2MSide.List],
// [relations.M2MSide.Links], [relations.M2MSide.Has],
// [relations.M2MSide.Count].
//
// # Load
//
// [Load] fetches related rows along paths in one call, as Django's
// select_related and prefetch_related: [relations.FK.Forward],
// [relations.FK.Reverse] and [relations.M2MSide.Path] build the paths, and
// [relations.FK.LoadedParent], [relations.FK.LoadedChildren] and
// [relations.M2MSide.LoadedList] read the result.
//
// # Fixtures
//
// [LoadFixtures] loads fixture files in Django's dumpdata shape
// ([FixtureJSON]: [{"model": "posts", "pk": 1, "fields": {...}}]) or as
// JSON Lines ([FixtureJSONLines]) in one transaction whose foreign keys
// are checked at its end, so entries load in any order; [LoadFixture]
// loads one into a transaction of yours. A refused load changes nothing
// and its [FixtureError] names the file, the entry and the rule.
// [DumpFixture] writes a transaction's rows in either format,
// deterministically. A row's fields are its JSON encoding. [Save] writes a
// whole DB, sequences included, in a versioned binary format, and
// [Restore] reads it into an empty DB, verified by Check. Package
// memreltest builds on them: a base DB seeded once per test package, a
// fork per test, Check when the test ends, one-line assertions.
//
// # Replicate
//
// Package replicate (a module of its own, on hashicorp/raft) runs a DB on
// several machines. What it ships is built here: [Propose] runs a write
// transaction and Commit's checks, then discards it and returns its effect
// as a [Proposal] ([Proposal.Changes], [Proposal.Revision],
// [Proposal.AfterCommit]); [EncodeChanges] (or [Proposal.Encode]) turns a
// change set, its moved sequences included ([store.ChangeSet.Sequences]),
// into versioned, checksummed bytes; [ApplyChanges] applies them to a write
// transaction of another DB exactly, verifies the result and refuses a
// corrupt or foreign change set whole; [SchemaFingerprint] tells whether
// two DBs have the same schema.
//
// # Errors
//
// Every error wraps one of the sentinel errors ([ErrNotFound], [ErrExists],
// [ErrInvalidKey], [ErrForeignKey], [ErrProtected], [ErrRestricted],
// [ErrUnique], [ErrCheck], [ErrReadOnly], [ErrTxClosed], [ErrUnknownTable],
// [ErrSchema], [ErrIntegrity], [ErrFormat]) for errors.Is, and most are
// typed for errors.As: [KeyError], [TableError], [ForeignKeyError],
// [ProtectedError], [RestrictedError] (with [BlockingRow]),
// [UniqueError], [CheckError], [FixtureError]. A refused operation changes nothing and
// leaves the transaction usable.
package memrel
