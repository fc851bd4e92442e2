package subscriptions

import (
	"testing"

	"github.com/memrel-go/memrel/examples/internal/showtest"
)

func TestRun(t *testing.T) {
	showtest.Check(t, Run,
		"a weekly plan is refused: memrel: check constraint plan_interval_month_or_year on plans:",
		"memrel: unique constraint one_active_subscription_per_user on subscriptions: a new subscriptions row has user = 1, as subscriptions 1 does",
		"memrel: foreign key subscriptions.plan:",
		"points at plans 99, which does not exist",
		"the end of her Basic subscription was undone with it: it is still active",
		"ann.subscriptions, the history:\n    subscription 1 Basic started 2026-01-02, ended 2026-03-01\n    subscription 3 Pro started 2026-03-01, active\n",
		"memrel: cannot delete plans 1: protected by subscriptions.plan (subscriptions 1)",
		"(subscriptions.user is Cascade):\n  deleted subscriptions 1, users 1",
		"it can be deleted:\n  deleted plans 1",
		"Integrity check (db.Check): ok",
	)
}
