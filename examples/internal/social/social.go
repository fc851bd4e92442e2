// Package social is the Social domain: profiles follow each other, befriend
// each other and like posts. It shows a self many-to-many relation through a
// table of its own (followers are not symmetrical), a symmetrical one
// (friends), composite unique and check constraints, an index for a feed,
// and a delete that cascades through a one-to-one relation. The Django
// models it mirrors:
//
//	class SocialProfile(Model):
//	    user = OneToOneField(User, CASCADE, related_name="social_profile")
//	    bio = TextField()  # CheckConstraint bio_max_160: at most 160 characters
//	    following = ManyToManyField("self", through="Follow", symmetrical=False,
//	        through_fields=("follower", "followed"), related_name="followers")
//	    friends = ManyToManyField("self")  # symmetrical
//	class Follow(Model):
//	    follower = ForeignKey(SocialProfile, CASCADE, related_name="outgoing_follows")
//	    followed = ForeignKey(SocialProfile, CASCADE, related_name="incoming_follows")
//	    created_at = DateTimeField(auto_now_add=True)
//	    # UniqueConstraint(fields=["follower", "followed"], name="uniq_follow_pair")
//	    # CheckConstraint(~Q(follower=F("followed")), name="prevent_self_follow")
//	class Post(Model):
//	    author = ForeignKey(User, CASCADE, related_name="posts")
//	    body = TextField(); posted_at = DateTimeField(db_index=True)
//	class PostLike(Model):
//	    user = ForeignKey(User, CASCADE, related_name="post_likes")
//	    post = ForeignKey(Post, CASCADE, related_name="likes")
//	    created_at = DateTimeField(auto_now_add=True)
//	    # UniqueConstraint(fields=["user", "post"], name="uniq_post_like")
package social

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/examples/internal/show"
)

// User is a row of users.
type User struct {
	ID       int64
	Username string
}

// SocialProfile is a row of social_profiles.
type SocialProfile struct {
	ID     int64
	UserID int64
	Bio    string // at most 160 characters
}

// Follow is a row of follows: the follower follows the followed.
type Follow struct {
	ID         int64
	FollowerID int64
	FollowedID int64
	CreatedAt  time.Time // filled in on insert
}

// Post is a row of posts.
type Post struct {
	ID       int64
	AuthorID int64
	Body     string
	PostedAt time.Time
}

// PostLike is a row of post_likes.
type PostLike struct {
	ID        int64
	UserID    int64
	PostID    int64
	CreatedAt time.Time // filled in on insert
}

// Clock is the time stamped on a new follow or like, as Django's
// auto_now_add does. It is fixed so that the output never changes; a program
// would use time.Now.
func Clock() time.Time { return time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC) }

// The schema. profileF, followF, postF and likeF are the field-reference rows
// of SocialProfile, Follow, Post and PostLike (memrel.Fields): &likeF.PostID
// names the PostID field of PostLike, checked by the compiler. The F suffix
// keeps them apart from row variables; nothing reads or writes them. A
// foreign key's reverse name is its child table's name (user.posts,
// user.post_likes), a one-to-one's its row type's in snake case
// (user.social_profile), unless Related names another, as related_name does.
var (
	profileF, followF = memrel.Fields[SocialProfile](), memrel.Fields[Follow]()
	postF, likeF      = memrel.Fields[Post](), memrel.Fields[PostLike]()

	Users          = memrel.NewTable("users", func(u *User) *int64 { return &u.ID })
	SocialProfiles = memrel.NewTable("social_profiles", func(p *SocialProfile) *int64 { return &p.ID })
	Follows        = memrel.NewTable("follows", func(f *Follow) *int64 { return &f.ID },
		memrel.DefaultFunc(&followF.CreatedAt, Clock))
	Posts     = memrel.NewTable("posts", func(p *Post) *int64 { return &p.ID })
	PostLikes = memrel.NewTable("post_likes", func(l *PostLike) *int64 { return &l.ID },
		memrel.DefaultFunc(&likeF.CreatedAt, Clock))

	ProfileUser    = memrel.OneToOne(SocialProfiles, &profileF.UserID, Users, memrel.Cascade)
	FollowFollower = memrel.ForeignKey(Follows, &followF.FollowerID, SocialProfiles, memrel.Cascade).
			Related("outgoing_follows")
	FollowFollowed = memrel.ForeignKey(Follows, &followF.FollowedID, SocialProfiles, memrel.Cascade).
			Related("incoming_follows")
	PostAuthor = memrel.ForeignKey(Posts, &postF.AuthorID, Users, memrel.Cascade)
	LikePost   = memrel.ForeignKey(PostLikes, &likeF.PostID, Posts, memrel.Cascade).Related("likes")
	LikeUser   = memrel.ForeignKey(PostLikes, &likeF.UserID, Users, memrel.Cascade)

	// Following is profile.following, through follows; its Reverse() is
	// profile.followers. Following is not symmetrical: ann may follow bob
	// without bob following ann.
	Following = memrel.ManyToManyThrough(Follows, "following", FollowFollower, FollowFollowed).Related("followers")
	// Friends is symmetrical: adding a->b also stores b->a, in an automatic
	// link table named social_profiles_friends.
	Friends = memrel.ManyToMany(SocialProfiles, "friends", SocialProfiles).Symmetrical()

	BioMax160 = memrel.Check(SocialProfiles, "bio_max_160",
		func(p *SocialProfile) bool { return utf8.RuneCountInString(p.Bio) <= 160 }).SQL("length(bio) <= 160")
	UniqueFollowPair  = memrel.UniqueTogether(Follows, "uniq_follow_pair", &followF.FollowerID, &followF.FollowedID)
	PreventSelfFollow = memrel.Check(Follows, "prevent_self_follow", func(f *Follow) bool { return f.FollowerID != f.FollowedID }).SQL("follower_id <> followed_id")
	UniquePostLike    = memrel.UniqueTogether(PostLikes, "uniq_post_like", &likeF.UserID, &likeF.PostID)

	// PostsByPostedAt orders posts by time, for the feed.
	PostsByPostedAt = memrel.NewIndex(Posts, "posted_at", &postF.PostedAt)

	Schema = memrel.Schema{Tables: []memrel.AnyTable{Users, SocialProfiles, Follows, Posts, PostLikes}}
)

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
	jan := func(day, hour int) time.Time { return time.Date(2026, 1, day, hour, 0, 0, 0, time.UTC) }

	// Three users, each with a social profile (ann's profile is 1, bob's 2,
	// cid's 3), and a few posts.
	var ann, bob, cid SocialProfile
	var posts []Post
	err = db.Update(func(tx *memrel.Tx) error {
		for _, u := range []struct {
			profile *SocialProfile
			name    string
			bio     string
		}{
			{&ann, "ann", "Writes about Go."},
			{&bob, "bob", "Databases, mostly."},
			{&cid, "cid", ""},
		} {
			user, err := Users.Insert(tx, User{Username: u.name})
			if err != nil {
				return err
			}
			if *u.profile, err = SocialProfiles.Insert(tx, SocialProfile{UserID: user.ID, Bio: u.bio}); err != nil {
				return err
			}
		}
		for _, p := range []Post{
			{AuthorID: bob.UserID, Body: "Indexes are ordered radix trees.", PostedAt: jan(2, 9)},
			{AuthorID: ann.UserID, Body: "Hello from memrel!", PostedAt: jan(3, 18)},
			{AuthorID: cid.UserID, Body: "First post.", PostedAt: jan(4, 8)},
			{AuthorID: bob.UserID, Body: "MVCC means readers never block.", PostedAt: jan(5, 12)},
		} {
			post, err := Posts.Insert(tx, p)
			if err != nil {
				return err
			}
			posts = append(posts, post)
		}
		return nil
	})
	if err != nil {
		return err
	}
	say.Line("Users ann, bob and cid, each with a social profile (social_profiles.user is one-to-one):")
	err = db.View(func(tx *memrel.Tx) error {
		for u := range Users.All(tx) {
			p, ok := ProfileUser.Child(tx, u.ID)
			if !ok {
				return fmt.Errorf("user %s has no social profile", u.Username)
			}
			say.Line("  %s.%s: profile %d, bio %q", u.Username, ProfileUser.RelatedName(), p.ID, p.Bio)
		}
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("A bio is at most 160 characters (check bio_max_160):")
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := SocialProfiles.Modify(tx, cid.ID, func(p *SocialProfile) error {
			p.Bio = strings.Repeat("So much to say. ", 11) // 176 characters
			return nil
		})
		return err
	})
	var ce *memrel.CheckError
	if !errors.As(err, &ce) || ce.Constraint != BioMax160.Name() {
		return fmt.Errorf("a long bio: want a CheckError naming %s, got %v", BioMax160.Name(), err)
	}
	say.Line("  a bio of 176 characters for cid is refused: %v", err)

	say.Line("")
	say.Line("ann follows bob and cid, bob follows ann and cid, cid follows ann (Following.Add adds rows")
	say.Line("to follows, the through table):")
	err = db.Update(func(tx *memrel.Tx) error {
		if _, err := Following.Add(tx, ann.ID, bob.ID, cid.ID); err != nil {
			return err
		}
		if _, err := Following.Add(tx, bob.ID, ann.ID, cid.ID); err != nil {
			return err
		}
		_, err := Following.Add(tx, cid.ID, ann.ID)
		return err
	})
	if err != nil {
		return err
	}
	err = db.View(func(tx *memrel.Tx) error {
		for _, p := range []SocialProfile{ann, bob, cid} {
			say.Line("  %s follows %s; followed by %s", username(tx, p),
				usernames(tx, slices.Collect(Following.List(tx, p.ID))),
				usernames(tx, slices.Collect(Following.Reverse().List(tx, p.ID))))
		}
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Refused follows:")
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := Following.Add(tx, bob.ID, bob.ID)
		return err
	})
	if !errors.As(err, &ce) || ce.Constraint != PreventSelfFollow.Name() {
		return fmt.Errorf("a self-follow: want a CheckError naming %s, got %v", PreventSelfFollow.Name(), err)
	}
	say.Line("  bob following himself: %v", err)
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := Follows.Insert(tx, Follow{FollowerID: ann.ID, FollowedID: bob.ID})
		return err
	})
	var ue *memrel.UniqueError
	if !errors.As(err, &ue) || ue.Constraint != UniqueFollowPair.Name() {
		return fmt.Errorf("a duplicate follow: want a UniqueError naming %s, got %v", UniqueFollowPair.Name(), err)
	}
	say.Line("  a second row of follows for ann -> bob: %v", err)
	err = db.Update(func(tx *memrel.Tx) error {
		n, err := Following.Add(tx, ann.ID, bob.ID)
		if err != nil {
			return err
		}
		say.Line("  (Following.Add of ann -> bob again creates %d links: ann still follows %d)", n, Following.Count(tx, ann.ID))
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Friends are symmetrical: one Add links both ways, one Remove unlinks both ways:")
	err = db.Update(func(tx *memrel.Tx) error {
		if _, err := Friends.Add(tx, ann.ID, bob.ID, cid.ID); err != nil {
			return err
		}
		if _, err := Friends.Add(tx, bob.ID, cid.ID); err != nil {
			return err
		}
		say.Line("  after Friends.Add(ann, bob, cid) and Friends.Add(bob, cid):")
		printFriends(say, tx, ann, bob, cid)
		say.Line("    %d rows in %s", Friends.LinkTable().Len(tx), Friends.LinkTable().Name())
		if err := Friends.Remove(tx, bob.ID, ann.ID); err != nil {
			return err
		}
		say.Line("  after Friends.Remove(bob, ann):")
		printFriends(say, tx, ann, bob, cid)
		say.Line("    %d rows in %s", Friends.LinkTable().Len(tx), Friends.LinkTable().Name())
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Likes: ann likes both of bob's posts, cid the first one, bob likes ann's and cid's:")
	err = db.Update(func(tx *memrel.Tx) error {
		for _, l := range []PostLike{
			{UserID: ann.UserID, PostID: posts[0].ID},
			{UserID: ann.UserID, PostID: posts[3].ID},
			{UserID: cid.UserID, PostID: posts[0].ID},
			{UserID: bob.UserID, PostID: posts[1].ID},
			{UserID: bob.UserID, PostID: posts[2].ID},
		} {
			if _, err := PostLikes.Insert(tx, l); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := PostLikes.Insert(tx, PostLike{UserID: ann.UserID, PostID: posts[0].ID})
		return err
	})
	if !errors.As(err, &ue) {
		return fmt.Errorf("a second like: want a UniqueError, got %v", err)
	}
	say.Line("  ann liking post %d twice: %v", posts[0].ID, err)

	say.Line("")
	say.Line("The feed, newest first (index posted_at, Descend, memrel.Take of 3), with each author")
	say.Line("loaded in one call (memrel.Load) and the likes counted (post_likes.post Count):")
	err = db.View(func(tx *memrel.Tx) error {
		feed := memrel.Take(PostsByPostedAt.Descend(tx), 3)
		l, err := memrel.Load(tx, feed, PostAuthor.Forward())
		if err != nil {
			return err
		}
		for _, p := range feed {
			author, _ := PostAuthor.LoadedParent(l, p) // a required key: always loaded
			say.Line("  %s  %-4s %-34q likes: %d", p.PostedAt.Format("2006-01-02 15:04"), author.Username,
				p.Body, LikePost.Count(tx, p.ID))
		}
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Deleting user ann cascades: her social profile (one-to-one, Cascade), its follows both")
	say.Line("ways and its friend links, her post and its likes, and her own likes:")
	var res memrel.DeleteResult
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		res, err = Users.Delete(tx, ann.UserID)
		return err
	})
	if err != nil {
		return err
	}
	say.Line("  %v", res)
	err = db.View(func(tx *memrel.Tx) error {
		for _, p := range []SocialProfile{bob, cid} {
			say.Line("  %s: following %d, followers %d, friends %d", username(tx, p),
				Following.Count(tx, p.ID), Following.Reverse().Count(tx, p.ID), Friends.Count(tx, p.ID))
		}
		say.Line("  left: users %d, social_profiles %d, follows %d, posts %d, post_likes %d",
			Users.Len(tx), SocialProfiles.Len(tx), Follows.Len(tx), Posts.Len(tx), PostLikes.Len(tx))
		return nil
	})
	if err != nil {
		return err
	}

	return say.Finish(db)
}

// printFriends prints the friends of each profile.
func printFriends(say *show.Printer, tx *memrel.Tx, profiles ...SocialProfile) {
	for _, p := range profiles {
		say.Line("    %s.friends: %s", username(tx, p), usernames(tx, slices.Collect(Friends.List(tx, p.ID))))
	}
}

// username names the user of a profile.
func username(tx *memrel.Tx, p SocialProfile) string {
	u, _ := ProfileUser.Parent(tx, p) // a required key: always found
	return u.Username
}

// usernames joins the user names of profiles: "bob, cid".
func usernames(tx *memrel.Tx, profiles []SocialProfile) string {
	if len(profiles) == 0 {
		return "(nobody)"
	}
	names := make([]string, len(profiles))
	for i, p := range profiles {
		names[i] = username(tx, p)
	}
	return strings.Join(names, ", ")
}
