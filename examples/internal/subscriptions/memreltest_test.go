package subscriptions_test

import (
	"testing"
	"time"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/examples/internal/subscriptions"
	"github.com/memrel-go/memrel/memreltest"
)

// base is the plans and subscriptions of testdata/subscriptions.json
// (children listed first), built once for the package.
var base = memreltest.New(memreltest.Options{Schema: subscriptions.Schema, Files: []string{"testdata/subscriptions.json"}})

// The partial unique constraint (one active subscription per user), with
// Protect and Cascade, one fork per case.
func TestSubscriptionRules(t *testing.T) {
	march := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		run  func(t *testing.T, tx *memrel.Tx)
	}{
		{"a second active subscription is refused", func(t *testing.T, tx *memrel.Tx) {
			_, err := subscriptions.Subscriptions.Insert(tx, subscriptions.Subscription{UserID: 1, PlanID: 3, StartedAt: march})
			memreltest.Refused(t, err, memrel.ErrUnique, "one_active_subscription_per_user", "subscriptions 2")
		}},
		{"an ended subscription takes no part", func(t *testing.T, tx *memrel.Tx) {
			_, err := subscriptions.Subscriptions.Insert(tx, subscriptions.Subscription{UserID: 1, PlanID: 3,
				StartedAt: march, EndedAt: memrel.Some(march.Add(time.Hour))})
			if err != nil {
				t.Errorf("an ended subscription beside an active one: %v", err)
			}
		}},
		{"an upgrade ends the old subscription first", func(t *testing.T, tx *memrel.Tx) {
			if _, err := subscriptions.Subscriptions.Modify(tx, 3, func(s *subscriptions.Subscription) error {
				s.EndedAt = memrel.Some(march)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := subscriptions.Subscriptions.Insert(tx, subscriptions.Subscription{UserID: 2, PlanID: 2, StartedAt: march}); err != nil {
				t.Errorf("the new active subscription after the old one ended: %v", err)
			}
		}},
		{"a plan in use is protected", func(t *testing.T, tx *memrel.Tx) {
			_, err := subscriptions.Plans.Delete(tx, 1)
			memreltest.Refused(t, err, memrel.ErrProtected, "subscriptions.plan", "subscriptions 1", "subscriptions 3")
		}},
		{"an unused plan can go", func(t *testing.T, tx *memrel.Tx) {
			res, err := subscriptions.Plans.Delete(tx, 3)
			memreltest.Deleted(t, res, err, "deleted plans 1")
		}},
		{"a user takes their history along", func(t *testing.T, tx *memrel.Tx) {
			res, err := subscriptions.Users.Delete(tx, 1)
			memreltest.Deleted(t, res, err, "deleted subscriptions 2, users 1")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			db := base.Fork(t)
			memreltest.Update(t, db, func(tx *memrel.Tx) { c.run(t, tx) })
		})
	}
}
