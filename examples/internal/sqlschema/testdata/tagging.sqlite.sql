-- The schema of a memrel DB for SQLite, written by memrel.WriteSQLSchema.
PRAGMA foreign_keys = ON;

CREATE TABLE "users" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "username" TEXT NOT NULL
);

CREATE TABLE "tags" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    CONSTRAINT "uniq_tag_name" UNIQUE ("name")
);

CREATE TABLE "articles" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL
);

CREATE TABLE "article_tags" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "article_id" INTEGER NOT NULL,
    "tag_id" INTEGER NOT NULL,
    "added_at" DATETIME NOT NULL,
    "added_by" INTEGER,
    CONSTRAINT "uniq_article_tag_pair" UNIQUE ("article_id", "tag_id"),
    CONSTRAINT "article_tags_article_fkey" FOREIGN KEY ("article_id") REFERENCES "articles" ("id") ON DELETE CASCADE,
    CONSTRAINT "article_tags_tag_fkey" FOREIGN KEY ("tag_id") REFERENCES "tags" ("id") ON DELETE CASCADE,
    CONSTRAINT "article_tags_added_by_fkey" FOREIGN KEY ("added_by") REFERENCES "users" ("id") ON DELETE SET NULL
);
CREATE INDEX "article_tags_article_idx" ON "article_tags" ("article_id");
CREATE INDEX "article_tags_tag_idx" ON "article_tags" ("tag_id");
CREATE INDEX "article_tags_added_by_idx" ON "article_tags" ("added_by");
