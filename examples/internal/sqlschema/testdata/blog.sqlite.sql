-- The schema of a memrel DB for SQLite, written by memrel.WriteSQLSchema.
PRAGMA foreign_keys = ON;

CREATE TABLE "users" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "username" TEXT NOT NULL,
    CONSTRAINT "uniq_username" UNIQUE ("username")
);

CREATE TABLE "posts" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "author_id" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "published_at" DATETIME,
    CONSTRAINT "posts_author_fkey" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX "posts_author_idx" ON "posts" ("author_id");

CREATE TABLE "comments" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "post_id" INTEGER NOT NULL,
    "author_id" INTEGER,
    "body" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    CONSTRAINT "comments_post_fkey" FOREIGN KEY ("post_id") REFERENCES "posts" ("id") ON DELETE CASCADE,
    CONSTRAINT "comments_author_fkey" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE SET NULL
);
CREATE INDEX "comments_post_idx" ON "comments" ("post_id");
CREATE INDEX "comments_author_idx" ON "comments" ("author_id");
