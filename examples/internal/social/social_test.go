package social

import (
	"testing"

	"github.com/memrel-go/memrel/examples/internal/showtest"
)

func TestRun(t *testing.T) {
	showtest.Check(t, Run,
		`ann.social_profile: profile 1, bio "Writes about Go."`,
		`cid.social_profile: profile 3, bio ""`,
		"refused: memrel: check constraint bio_max_160 on social_profiles: social_profiles 3 violates it",
		"ann follows bob, cid; followed by bob, cid",
		"cid follows ann; followed by ann, bob",
		"bob following himself: memrel: check constraint prevent_self_follow on follows: a new follows row violates it: {ID:0 FollowerID:2 FollowedID:2 CreatedAt:2026-01-05 09:00:00 +0000 UTC}",
		"memrel: unique constraint uniq_follow_pair on follows: a new follows row has (follower, followed) = (1, 2), as follows 1 does",
		"(Following.Add of ann -> bob again creates 0 links: ann still follows 2)",
		// Symmetrical friends: both sides, and 2 rows per pair.
		"ann.friends: bob, cid\n    bob.friends: ann, cid\n    cid.friends: ann, bob\n    6 rows in social_profiles_friends",
		"ann.friends: cid\n    bob.friends: cid\n    cid.friends: ann, bob\n    4 rows in social_profiles_friends",
		"ann liking post 1 twice: memrel: unique constraint uniq_post_like on post_likes: a new post_likes row has (user, post) = (1, 1), as post_likes 1 does",
		// The feed: the three newest posts, newest first.
		"2026-01-05 12:00 bob \"MVCC means readers never block.\" likes: 1\n"+
			"  2026-01-04 08:00 cid \"First post.\" likes: 1\n"+
			"  2026-01-03 18:00 ann \"Hello from memrel!\" likes: 1\n\n",
		// ann's profile, the 4 follows touching it, the 2 friend rows, her
		// post, its like by bob and her 2 likes.
		"deleted follows 4, post_likes 3, posts 1, social_profiles 1, social_profiles_friends 2, users 1",
		"bob: following 1, followers 0, friends 1",
		"cid: following 0, followers 1, friends 1",
		"left: users 2, social_profiles 2, follows 1, posts 3, post_likes 2",
		"Integrity check (db.Check): ok",
	)
}
