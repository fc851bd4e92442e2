// Package subscriptions is the Subscriptions domain: users subscribe to
// plans, and an upgrade ends one subscription and starts another, so the
// history is kept. It shows a partial unique constraint (at most one active
// subscription per user), a check constraint, and Protect keeping history.
// The Django models it mirrors:
//
//	class Plan(Model):
//	    name = CharField(); price_cents = IntegerField()
//	    interval = CharField(choices=[("month", ...), ("year", ...)])
//	class Subscription(Model):
//	    user = ForeignKey(User, CASCADE, related_name="subscriptions")
//	    plan = ForeignKey(Plan, PROTECT, related_name="subscriptions")
//	    started_at = DateTimeField(); ended_at = DateTimeField(null=True)
//	    class Meta:
//	        constraints = [UniqueConstraint(fields=["user"],
//	            condition=Q(ended_at__isnull=True),
//	            name="one_active_subscription_per_user")]
package subscriptions

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/examples/internal/show"
)

// User is a row of users.
type User struct {
	ID       int64
	Username string
}

// Plan is a row of plans.
type Plan struct {
	ID         int64
	Name       string
	PriceCents int64
	Interval   string // "month" or "year"
}

// Subscription is a row of subscriptions.
type Subscription struct {
	ID        int64
	UserID    int64
	PlanID    int64
	StartedAt time.Time
	EndedAt   memrel.Null[time.Time] // empty while active
}

// Active reports whether the subscription has not ended.
func (s Subscription) Active() bool { return !s.EndedAt.Valid }

// The schema. subF is the field-reference row of Subscription
// (memrel.Fields): &subF.PlanID names the PlanID field of Subscription,
// checked by the compiler. The F suffix keeps it apart from row variables;
// nothing reads or writes it. Both foreign keys' reverse names are their
// child table's name, as related_name says: user.subscriptions,
// plan.subscriptions.
var (
	subF = memrel.Fields[Subscription]()

	Users         = memrel.NewTable("users", func(u *User) *int64 { return &u.ID })
	Plans         = memrel.NewTable("plans", func(p *Plan) *int64 { return &p.ID })
	Subscriptions = memrel.NewTable("subscriptions", func(s *Subscription) *int64 { return &s.ID })

	SubscriptionUser = memrel.ForeignKey(Subscriptions, &subF.UserID, Users, memrel.Cascade)
	SubscriptionPlan = memrel.ForeignKey(Subscriptions, &subF.PlanID, Plans, memrel.Protect)

	PlanInterval = memrel.Check(Plans, "plan_interval_month_or_year",
		func(p *Plan) bool { return p.Interval == "month" || p.Interval == "year" }).
		SQL(`"interval" IN ('month', 'year')`) // its SQL form, for memrel.WriteSQLSchema (interval is an SQL keyword)
	OneActivePerUser = memrel.Unique(Subscriptions, "one_active_subscription_per_user", &subF.UserID).
				Where(func(s *Subscription) bool { return s.Active() }).
				WhereSQL("ended_at IS NULL") // the condition's SQL form: a partial unique index

	Schema = memrel.Schema{Tables: []memrel.AnyTable{Users, Plans, Subscriptions}}
)

// ErrNoActiveSubscription is returned by ChangePlan for a user with no
// active subscription.
var ErrNoActiveSubscription = errors.New("no active subscription")

// ActiveSubscription returns the user's active subscription (comma-ok).
func ActiveSubscription(tx *memrel.Tx, userID int64) (Subscription, bool) {
	for s := range SubscriptionUser.Children(tx, userID) {
		if s.Active() {
			return s, true
		}
	}
	return Subscription{}, false
}

// ChangePlan ends the user's active subscription at `at` and starts one to
// planID at the same time. Run it in one transaction: if the new
// subscription is refused, returning the error from db.Update undoes the end
// of the old one too.
func ChangePlan(tx *memrel.Tx, userID, planID int64, at time.Time) (Subscription, error) {
	old, ok := ActiveSubscription(tx, userID)
	if !ok {
		return Subscription{}, fmt.Errorf("user %d: %w", userID, ErrNoActiveSubscription)
	}
	if _, err := Subscriptions.Modify(tx, old.ID, func(s *Subscription) error {
		s.EndedAt = memrel.Some(at)
		return nil
	}); err != nil {
		return Subscription{}, err
	}
	return Subscriptions.Insert(tx, Subscription{UserID: userID, PlanID: planID, StartedAt: at})
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
	day := func(month time.Month, d int) time.Time { return time.Date(2026, month, d, 0, 0, 0, 0, time.UTC) }

	var ann, bob User
	var basic, pro, proYearly Plan
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		if ann, err = Users.Insert(tx, User{Username: "ann"}); err != nil {
			return err
		}
		if bob, err = Users.Insert(tx, User{Username: "bob"}); err != nil {
			return err
		}
		if basic, err = Plans.Insert(tx, Plan{Name: "Basic", PriceCents: 500, Interval: "month"}); err != nil {
			return err
		}
		if pro, err = Plans.Insert(tx, Plan{Name: "Pro", PriceCents: 1500, Interval: "month"}); err != nil {
			return err
		}
		proYearly, err = Plans.Insert(tx, Plan{Name: "Pro yearly", PriceCents: 15000, Interval: "year"})
		return err
	})
	if err != nil {
		return err
	}
	say.Line("Plans:")
	err = db.View(func(tx *memrel.Tx) error {
		for p := range Plans.All(tx) {
			say.Line("  plan %d %-10s %3d.%02d a %s", p.ID, p.Name, p.PriceCents/100, p.PriceCents%100, p.Interval)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := Plans.Insert(tx, Plan{Name: "Weekly", PriceCents: 200, Interval: "week"})
		return err
	})
	var ce *memrel.CheckError
	if !errors.As(err, &ce) {
		return fmt.Errorf("a weekly plan: want a CheckError, got %v", err)
	}
	say.Line("  a weekly plan is refused: %v", err)

	say.Line("")
	err = db.Update(func(tx *memrel.Tx) error {
		if _, err := Subscriptions.Insert(tx, Subscription{UserID: ann.ID, PlanID: basic.ID,
			StartedAt: day(time.January, 2)}); err != nil {
			return err
		}
		_, err := Subscriptions.Insert(tx, Subscription{UserID: bob.ID, PlanID: proYearly.ID,
			StartedAt: day(time.January, 5)})
		return err
	})
	if err != nil {
		return err
	}
	say.Line("ann subscribes to %s on 2026-01-02, bob to %s on 2026-01-05.", basic.Name, proYearly.Name)
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := Subscriptions.Insert(tx, Subscription{UserID: ann.ID, PlanID: pro.ID,
			StartedAt: day(time.February, 1)})
		return err
	})
	var ue *memrel.UniqueError
	if !errors.As(err, &ue) {
		return fmt.Errorf("a second active subscription: want a UniqueError, got %v", err)
	}
	say.Line("A second active subscription for ann is refused (the constraint only counts rows with no ended_at):")
	say.Line("  %v", err)

	say.Line("")
	say.Line("A change to a plan that does not exist fails as a whole, in its transaction:")
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := ChangePlan(tx, ann.ID, 99, day(time.February, 15))
		return err
	})
	var fe *memrel.ForeignKeyError
	if !errors.As(err, &fe) {
		return fmt.Errorf("a change to a missing plan: want a ForeignKeyError, got %v", err)
	}
	say.Line("  %v", err)
	err = db.View(func(tx *memrel.Tx) error {
		s, ok := ActiveSubscription(tx, ann.ID)
		if !ok {
			return fmt.Errorf("ann lost her active subscription in a failed transaction")
		}
		p, _ := SubscriptionPlan.Parent(tx, s)
		say.Line("  the end of her %s subscription was undone with it: it is still active", p.Name)
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("ann upgrades to %s on 2026-03-01: her %s subscription ends, a new one starts.", pro.Name, basic.Name)
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := ChangePlan(tx, ann.ID, pro.ID, day(time.March, 1))
		return err
	})
	if err != nil {
		return err
	}
	err = db.View(func(tx *memrel.Tx) error {
		say.Line("  ann.%s, the history:", SubscriptionUser.RelatedName())
		for s := range SubscriptionUser.Children(tx, ann.ID) {
			p, _ := SubscriptionPlan.Parent(tx, s)
			ended := "active"
			if t, ok := s.EndedAt.Get(); ok {
				ended = "ended " + show.Day(t)
			}
			say.Line("    subscription %d %-5s started %s, %s", s.ID, p.Name, show.Day(s.StartedAt), ended)
		}
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("A plan in use cannot be deleted, even when only ended subscriptions use it, so the history stays whole\n(subscriptions.plan is Protect):")
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := Plans.Delete(tx, basic.ID)
		return err
	})
	var pe *memrel.ProtectedError
	if !errors.As(err, &pe) {
		return fmt.Errorf("deleting a plan in use: want a ProtectedError, got %v", err)
	}
	say.Line("  %v", err)

	say.Line("")
	say.Line("Deleting bob deletes his subscriptions (subscriptions.user is Cascade):")
	var res memrel.DeleteResult
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		res, err = Users.Delete(tx, bob.ID)
		return err
	})
	if err != nil {
		return err
	}
	say.Line("  %v", res)
	say.Line("so nothing uses %s any more, and it can be deleted:", proYearly.Name)
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		res, err = Plans.Delete(tx, proYearly.ID)
		return err
	})
	if err != nil {
		return err
	}
	say.Line("  %v", res)

	return say.Finish(db)
}
