-- The schema of a memrel DB for SQLite, written by memrel.WriteSQLSchema.
PRAGMA foreign_keys = ON;

CREATE TABLE "users" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "username" TEXT NOT NULL
);

CREATE TABLE "organizations" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "owner_id" INTEGER NOT NULL,
    CONSTRAINT "organizations_owner_fkey" FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON DELETE RESTRICT -- memrel Protect: refused at once, row by row (memrel refuses even when the row goes by another cascade)
);
CREATE INDEX "organizations_owner_idx" ON "organizations" ("owner_id");

CREATE TABLE "memberships" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "user_id" INTEGER NOT NULL,
    "organization_id" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    CONSTRAINT "uniq_membership" UNIQUE ("user_id", "organization_id"),
    CONSTRAINT "memberships_user_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "memberships_organization_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE
);
CREATE INDEX "memberships_user_idx" ON "memberships" ("user_id");
CREATE INDEX "memberships_organization_idx" ON "memberships" ("organization_id");

CREATE TABLE "projects" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "organization_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    CONSTRAINT "uniq_project_name_per_org" UNIQUE ("organization_id", "name"),
    CONSTRAINT "projects_organization_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE
);
CREATE INDEX "projects_organization_idx" ON "projects" ("organization_id");
