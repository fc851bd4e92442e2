package blog

import (
	"testing"

	"github.com/memrel-go/memrel/examples/internal/showtest"
)

func TestRun(t *testing.T) {
	showtest.Check(t, Run,
		"every comment got its created_at from memrel.DefaultFunc: true",
		`forward: comment 1 -> post "Hello, memrel" -> author ann`,
		"ann.posts:\n    post 1 \"Hello, memrel\"\n    post 2 \"Notes to self\"\n    post 3 \"Second steps\"\n",
		"post 1.comments (2):",
		// Load: every post with its author and its commenters.
		`post 1 "Hello, memrel" by ann; comments by bob, ann`,
		`post 4 "Bob's corner" by bob; comments by ann`,
		// The grouped index: ann's published posts, newest first, no draft.
		"stops at the first one):\n  2026-01-04 \"Second steps\"\n  2026-01-02 \"Hello, memrel\"\n  (ann has 3 posts in all)\n",
		// The feed: every published post, newest first, with its author and
		// comment count; the draft is left out.
		"Count):\n"+
			"  2026-01-04 \"Second steps\" by ann, comments: 1\n"+
			"  2026-01-03 \"Bob's corner\" by bob, comments: 1\n"+
			"  2026-01-02 \"Hello, memrel\" by ann, comments: 2\n\n",
		`a second user named ann: memrel: unique constraint uniq_username on users: a new users row has username = "ann", as users 1 does`,
		"memrel: foreign key comments.post:",
		"still users 2, comments 5",
		// Deleting the draft: its one comment goes with it.
		"deleted comments 1, posts 1\n",
		// The preview of ann's delete, in a read transaction: the rows, in
		// the delete's order; the delete then does just that.
		"confirmation page):\n  delete comments 1, 2, 5\n  delete posts 1, 3\n  delete users 1\n  update comments 4\n\n",
		// Deleting ann: her two other posts and their three comments; her
		// comment on bob's post is kept with no author.
		"deleted comments 3, posts 2, users 1; updated comments 1",
		`comment 4 on "Bob's corner" is kept, author now (none)`,
		"left: users 1, posts 1, comments 1",
		"Integrity check (db.Check): ok",
	)
}
