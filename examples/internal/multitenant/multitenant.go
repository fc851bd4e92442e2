// Package multitenant is the Multi-tenant domain: users belong to several
// organizations, and projects are scoped to one. It shows a many-to-many
// relation through a membership table with a role, Protect on an owner,
// Cascade from an organization to everything it scopes, and a grouped index
// that lists one organization's projects in order. The Django models it
// mirrors:
//
//	class Organization(Model):
//	    name = CharField()
//	    owner = ForeignKey(User, PROTECT, related_name="owned_organizations")
//	class Membership(Model):
//	    user = ForeignKey(User, CASCADE, related_name="memberships")
//	    organization = ForeignKey(Organization, CASCADE, related_name="memberships")
//	    role = CharField(default="member")
//	    # UniqueConstraint(fields=["user", "organization"], name="uniq_membership")
//	class Project(Model):
//	    organization = ForeignKey(Organization, CASCADE, related_name="projects")
//	    name = CharField()
//	    # UniqueConstraint(fields=["organization", "name"], name="uniq_project_name_per_org")
//	    # Meta.indexes = [Index(fields=["organization", "name"])]
//	# User.organizations = ManyToManyField(Organization, through="Membership",
//	#     related_name="members")
package multitenant

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/examples/internal/show"
)

// User is a row of users.
type User struct {
	ID       int64
	Username string
}

// Organization is a row of organizations: a tenant.
type Organization struct {
	ID      int64
	Name    string
	OwnerID int64
}

// Membership is a row of memberships: a user in an organization, with a
// role.
type Membership struct {
	ID             int64
	UserID         int64
	OrganizationID int64
	Role           string // "" is filled in as "member"
}

// Project is a row of projects, owned by one organization.
type Project struct {
	ID             int64
	OrganizationID int64
	Name           string
}

// The schema. orgF, memberF and projectF are the field-reference rows of
// Organization, Membership and Project (memrel.Fields): &memberF.UserID
// names the UserID field of Membership, checked by the compiler. The F
// suffix keeps them apart from row variables; nothing reads or writes them.
// A foreign key's reverse name is its child table's name (user.memberships,
// organization.projects) unless Related names another, as related_name does.
var (
	orgF, memberF, projectF = memrel.Fields[Organization](), memrel.Fields[Membership](), memrel.Fields[Project]()

	Users         = memrel.NewTable("users", func(u *User) *int64 { return &u.ID })
	Organizations = memrel.NewTable("organizations", func(o *Organization) *int64 { return &o.ID })
	Memberships   = memrel.NewTable("memberships", func(m *Membership) *int64 { return &m.ID },
		memrel.Default(&memberF.Role, "member"))
	Projects = memrel.NewTable("projects", func(p *Project) *int64 { return &p.ID })

	OrganizationOwner = memrel.ForeignKey(Organizations, &orgF.OwnerID, Users, memrel.Protect).
				Related("owned_organizations")
	MembershipUser         = memrel.ForeignKey(Memberships, &memberF.UserID, Users, memrel.Cascade)
	MembershipOrganization = memrel.ForeignKey(Memberships, &memberF.OrganizationID, Organizations,
		memrel.Cascade)
	ProjectOrganization = memrel.ForeignKey(Projects, &projectF.OrganizationID, Organizations,
		memrel.Cascade)

	// UserOrganizations is user.organizations, through memberships; its
	// Reverse() is organization.members.
	UserOrganizations = memrel.ManyToManyThrough(Memberships, "organizations", MembershipUser, MembershipOrganization).
				Related("members")

	UniqueMembership  = memrel.UniqueTogether(Memberships, "uniq_membership", &memberF.UserID, &memberF.OrganizationID)
	UniqueProjectName = memrel.UniqueTogether(Projects, "uniq_project_name_per_org",
		&projectF.OrganizationID, &projectF.Name)

	// ProjectsByName lists an organization's projects by name.
	ProjectsByName = memrel.NewGroupedIndex(Projects, "org_projects_by_name", &projectF.OrganizationID, &projectF.Name)

	Schema = memrel.Schema{Tables: []memrel.AnyTable{Users, Organizations, Memberships, Projects}}
)

// as returns a fill function for AddWith (Django's through_defaults): the
// new memberships have role.
func as(role string) func(*Membership) {
	return func(m *Membership) { m.Role = role }
}

// Run opens a DB with the schema and walks through the domain, writing what
// happens to w.
func Run(w io.Writer) error {
	_, err := RunDB(w)
	return err
}

// RunDB is Run that also returns the DB, in the state the walk leaves it
// (for tests that dump or save it).
func RunDB(w io.Writer) (*memrel.DB, error) {
	db, err := memrel.Open(Schema)
	if err != nil {
		return nil, err
	}
	return db, run(w, db)
}

func run(w io.Writer, db *memrel.DB) error {
	say := show.New(w)
	var err error

	var ann, bob, cid User
	var acme, globex Organization
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		if ann, err = Users.Insert(tx, User{Username: "ann"}); err != nil {
			return err
		}
		if bob, err = Users.Insert(tx, User{Username: "bob"}); err != nil {
			return err
		}
		if cid, err = Users.Insert(tx, User{Username: "cid"}); err != nil {
			return err
		}
		if acme, err = Organizations.Insert(tx, Organization{Name: "Acme", OwnerID: ann.ID}); err != nil {
			return err
		}
		if globex, err = Organizations.Insert(tx, Organization{Name: "Globex", OwnerID: bob.ID}); err != nil {
			return err
		}
		// From the user side (user.organizations.add) or the organization
		// side (organization.members.add): each adds memberships rows, with
		// the role "member" from memrel.Default unless AddWith sets one.
		if _, err := UserOrganizations.AddWith(tx, ann.ID, as("owner"), acme.ID); err != nil {
			return err
		}
		if _, err := UserOrganizations.AddWith(tx, bob.ID, as("owner"), globex.ID); err != nil {
			return err
		}
		if _, err := UserOrganizations.Reverse().Add(tx, acme.ID, bob.ID, cid.ID); err != nil {
			return err
		}
		if _, err := UserOrganizations.Add(tx, ann.ID, globex.ID); err != nil {
			return err
		}
		for _, p := range []Project{
			{OrganizationID: acme.ID, Name: "Website"},
			{OrganizationID: acme.ID, Name: "API"},
			{OrganizationID: globex.ID, Name: "Website"}, // another tenant: the same name is fine
			{OrganizationID: acme.ID, Name: "Billing"},
			{OrganizationID: globex.ID, Name: "Research"},
		} {
			if _, err := Projects.Insert(tx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("Organizations and their owners (organizations.owner):")
	err = db.View(func(tx *memrel.Tx) error {
		for u := range Users.All(tx) {
			var owned []string
			for o := range OrganizationOwner.Children(tx, u.ID) {
				owned = append(owned, o.Name)
			}
			say.Line("  %s.%s: %s", u.Username, OrganizationOwner.RelatedName(), list(owned))
		}
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("A user belongs to several organizations (users.organizations, through memberships;")
	say.Line("the role is a field of the membership row, \"member\" from memrel.Default):")
	err = db.View(func(tx *memrel.Tx) error {
		for u := range Users.All(tx) {
			var orgs []string
			for m := range UserOrganizations.Links(tx, u.ID) {
				o, _ := MembershipOrganization.Parent(tx, m) // a required key: always found
				orgs = append(orgs, fmt.Sprintf("%s (%s)", o.Name, m.Role))
			}
			say.Line("  %s: %s", u.Username, list(orgs))
		}
		for _, o := range []Organization{acme, globex} {
			say.Line("  %s.members (Reverse): %s", o.Name, list(usernames(UserOrganizations.Reverse().List(tx, o.ID))))
		}
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Refused:")
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := Memberships.Insert(tx, Membership{UserID: cid.ID, OrganizationID: acme.ID, Role: "admin"})
		return err
	})
	var ue *memrel.UniqueError
	if !errors.As(err, &ue) || ue.Constraint != UniqueMembership.Name() {
		return fmt.Errorf("a second membership: want a UniqueError naming %s, got %v", UniqueMembership.Name(), err)
	}
	say.Line("  a second membership of cid in Acme: %v", err)
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := Projects.Insert(tx, Project{OrganizationID: acme.ID, Name: "API"})
		return err
	})
	if !errors.As(err, &ue) || ue.Constraint != UniqueProjectName.Name() {
		return fmt.Errorf("a second project named API: want a UniqueError naming %s, got %v", UniqueProjectName.Name(), err)
	}
	say.Line("  a second project named API in Acme: %v", err)
	err = db.Update(func(tx *memrel.Tx) error {
		n, err := UserOrganizations.Add(tx, cid.ID, acme.ID)
		if err != nil {
			return err
		}
		say.Line("  (adding cid to Acme again with UserOrganizations.Add creates %d links: Acme still has %d members)",
			n, UserOrganizations.Reverse().Count(tx, acme.ID))
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Acme's projects:")
	err = db.View(func(tx *memrel.Tx) error {
		say.Line("  in key order (Acme.%s): %s", ProjectOrganization.RelatedName(),
			list(projectNames(ProjectOrganization.Children(tx, acme.ID))))
		say.Line("  by name (grouped index org_projects_by_name, one seek to Acme's group): %s",
			list(projectNames(ProjectsByName.Ascend(tx, acme.ID))))
		say.Line("  Globex's, by name: %s", list(projectNames(ProjectsByName.Ascend(tx, globex.ID))))
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Deleting ann is refused while she owns Acme (organizations.owner is Protect):")
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := Users.Delete(tx, ann.ID)
		return err
	})
	var pe *memrel.ProtectedError
	if !errors.As(err, &pe) {
		return fmt.Errorf("deleting an owner: want a ProtectedError, got %v", err)
	}
	say.Line("  %v", err)
	for _, r := range pe.Rows {
		say.Line("  in the way (ProtectedError.Rows): %v", r)
	}

	say.Line("")
	say.Line("Deleting Acme deletes its memberships and projects (both Cascade):")
	var res memrel.DeleteResult
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		res, err = Organizations.Delete(tx, acme.ID)
		return err
	})
	if err != nil {
		return err
	}
	say.Line("  %v", res)

	say.Line("")
	say.Line("Now ann owns nothing and can be deleted, with her membership of Globex:")
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		res, err = Users.Delete(tx, ann.ID)
		return err
	})
	if err != nil {
		return err
	}
	say.Line("  %v", res)
	err = db.View(func(tx *memrel.Tx) error {
		say.Line("  Globex.members: %s", list(usernames(UserOrganizations.Reverse().List(tx, globex.ID))))
		say.Line("  left: users %d, organizations %d, memberships %d, projects %d",
			Users.Len(tx), Organizations.Len(tx), Memberships.Len(tx), Projects.Len(tx))
		return nil
	})
	if err != nil {
		return err
	}

	return say.Finish(db)
}

// projectNames collects the names of projects.
func projectNames(projects iter.Seq[Project]) []string {
	var names []string
	for p := range projects {
		names = append(names, p.Name)
	}
	return names
}

// usernames collects the names of users.
func usernames(users iter.Seq[User]) []string {
	var names []string
	for u := range users {
		names = append(names, u.Username)
	}
	return names
}

// list joins names, or says there are none.
func list(names []string) string {
	if len(names) == 0 {
		return "(none)"
	}
	return strings.Join(names, ", ")
}
