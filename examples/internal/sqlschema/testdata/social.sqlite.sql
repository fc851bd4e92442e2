-- The schema of a memrel DB for SQLite, written by memrel.WriteSQLSchema.
PRAGMA foreign_keys = ON;

CREATE TABLE "users" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "username" TEXT NOT NULL
);

CREATE TABLE "social_profiles" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "user_id" INTEGER NOT NULL,
    "bio" TEXT NOT NULL,
    CONSTRAINT "social_profiles_user_key" UNIQUE ("user_id"),
    CONSTRAINT "bio_max_160" CHECK (length(bio) <= 160),
    CONSTRAINT "social_profiles_user_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
);

CREATE TABLE "follows" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "follower_id" INTEGER NOT NULL,
    "followed_id" INTEGER NOT NULL,
    "created_at" DATETIME NOT NULL,
    CONSTRAINT "uniq_follow_pair" UNIQUE ("follower_id", "followed_id"),
    CONSTRAINT "prevent_self_follow" CHECK (follower_id <> followed_id),
    CONSTRAINT "follows_follower_fkey" FOREIGN KEY ("follower_id") REFERENCES "social_profiles" ("id") ON DELETE CASCADE,
    CONSTRAINT "follows_followed_fkey" FOREIGN KEY ("followed_id") REFERENCES "social_profiles" ("id") ON DELETE CASCADE
);
CREATE INDEX "follows_follower_idx" ON "follows" ("follower_id");
CREATE INDEX "follows_followed_idx" ON "follows" ("followed_id");

CREATE TABLE "posts" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "author_id" INTEGER NOT NULL,
    "body" TEXT NOT NULL,
    "posted_at" DATETIME NOT NULL,
    CONSTRAINT "posts_author_fkey" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX "posts_author_idx" ON "posts" ("author_id");

CREATE TABLE "post_likes" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "user_id" INTEGER NOT NULL,
    "post_id" INTEGER NOT NULL,
    "created_at" DATETIME NOT NULL,
    CONSTRAINT "uniq_post_like" UNIQUE ("user_id", "post_id"),
    CONSTRAINT "post_likes_post_fkey" FOREIGN KEY ("post_id") REFERENCES "posts" ("id") ON DELETE CASCADE,
    CONSTRAINT "post_likes_user_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX "post_likes_post_idx" ON "post_likes" ("post_id");
CREATE INDEX "post_likes_user_idx" ON "post_likes" ("user_id");

CREATE TABLE "social_profiles_friends" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "from" INTEGER NOT NULL,
    "to" INTEGER NOT NULL,
    CONSTRAINT "social_profiles_friends_pair" UNIQUE ("from", "to"),
    CONSTRAINT "social_profiles_friends_from_social_profiles_fkey" FOREIGN KEY ("from") REFERENCES "social_profiles" ("id") ON DELETE CASCADE,
    CONSTRAINT "social_profiles_friends_to_social_profiles_fkey" FOREIGN KEY ("to") REFERENCES "social_profiles" ("id") ON DELETE CASCADE
);
CREATE INDEX "social_profiles_friends_from_social_profiles_idx" ON "social_profiles_friends" ("from");
CREATE INDEX "social_profiles_friends_to_social_profiles_idx" ON "social_profiles_friends" ("to");
