package multitenant

import (
	"testing"

	"github.com/memrel-go/memrel/examples/internal/showtest"
)

func TestRun(t *testing.T) {
	showtest.Check(t, Run,
		"ann.owned_organizations: Acme",
		"cid.owned_organizations: (none)",
		// Several organizations per user, with the role of each membership.
		"ann: Acme (owner), Globex (member)",
		"bob: Globex (owner), Acme (member)",
		"Acme.members (Reverse): ann, bob, cid",
		"a second membership of cid in Acme: memrel: unique constraint uniq_membership on memberships: a new memberships row has (user, organization) = (3, 1), as memberships 4 does",
		`memrel: unique constraint uniq_project_name_per_org on projects: a new projects row has (organization, name) = (1, "API"), as projects 2 does`,
		"Add creates 0 links: Acme still has 3 members)",
		"in key order (Acme.projects): Website, API, Billing",
		"one seek to Acme's group): API, Billing, Website",
		"Globex's, by name: Research, Website",
		"memrel: cannot delete users 1: protected by organizations.owner (organizations 1)",
		"(ProtectedError.Rows): organizations 1 (through organizations.owner)",
		"(both Cascade):\n  deleted memberships 3, organizations 1, projects 3\n",
		"with her membership of Globex:\n  deleted memberships 1, users 1\n",
		"Globex.members: bob",
		"left: users 2, organizations 1, memberships 1, projects 2",
		"Integrity check (db.Check): ok",
	)
}
