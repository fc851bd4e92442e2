-- The schema of a memrel DB for SQLite, written by memrel.WriteSQLSchema.
PRAGMA foreign_keys = ON;

CREATE TABLE "users" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "username" TEXT NOT NULL
);

CREATE TABLE "plans" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "price_cents" INTEGER NOT NULL,
    "interval" TEXT NOT NULL,
    CONSTRAINT "plan_interval_month_or_year" CHECK ("interval" IN ('month', 'year'))
);

CREATE TABLE "subscriptions" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "user_id" INTEGER NOT NULL,
    "plan_id" INTEGER NOT NULL,
    "started_at" DATETIME NOT NULL,
    "ended_at" DATETIME,
    CONSTRAINT "subscriptions_user_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "subscriptions_plan_fkey" FOREIGN KEY ("plan_id") REFERENCES "plans" ("id") ON DELETE RESTRICT -- memrel Protect: refused at once, row by row (memrel refuses even when the row goes by another cascade)
);
CREATE INDEX "subscriptions_user_idx" ON "subscriptions" ("user_id");
CREATE INDEX "subscriptions_plan_idx" ON "subscriptions" ("plan_id");
CREATE UNIQUE INDEX "one_active_subscription_per_user" ON "subscriptions" ("user_id") WHERE ended_at IS NULL;
