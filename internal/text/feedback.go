package text

import "fmt"

// The new hire's rating of their setup, asked once after "done"
// (approvals.Service.Feedback, the router's question and thanks, stats).
const (
	FeedbackQuestion  = "How did the setup go? 1 is bad, 5 is great. One click; it helps IT make the first day easier."
	FeedbackThanks    = "Thank you — noted. If something was hard, tell %s."
	FeedbackScore     = "Pick a rating from 1 to 5."
	FeedbackNotYours  = "Only the person who set up their sign-in can rate it."
	FeedbackNotYet    = "Your setup is not confirmed yet: send me \"done\" once you have Windows Hello, Authenticator or a passkey."
	FeedbackAlready   = "You already rated this setup. Thank you!"
	StatsSatisfaction = "New-hire rating"
	StatsNoRatings    = "no ratings yet"
	RatingsTitle      = "New hires' setup ratings, last 7 days"

	FeedbackCommentButton    = "Add a comment"
	FeedbackCommentTitle     = "Your comment on the setup"
	FeedbackCommentLabel     = "What went well, what was hard?"
	FeedbackCommentSubmit    = "Send"
	FeedbackCommentThanks    = "Thank you — your comment goes to IT with this week's ratings."
	FeedbackCommentHidden    = "Your comment has invisible or direction-changing characters. Please type it plainly."
	FeedbackCommentEmpty     = "Write a few words, or close this form."
	FeedbackCommentAlready   = "You already added a comment. Thank you!"
	FeedbackCommentRateFirst = "Rate the setup first (1 to 5), then add a comment."
)

// FeedbackCommentLong refuses a comment of n characters over max.
func FeedbackCommentLong(n, max int) string {
	return fmt.Sprintf("Your comment is %d characters long; keep it to %d.", n, max)
}

// RatingsCommentLabel labels a comment in the weekly summary with the
// rating it came with.
func RatingsCommentLabel(score int) string { return fmt.Sprintf("Comment (rated %d)", score) }

// FeedbackButton labels the button for a rating: "1 – bad" … "5 – great".
func FeedbackButton(score int) string {
	faces := [...]string{"", "1 – bad", "2", "3", "4", "5 – great"}
	if score < 1 || score > 5 {
		return fmt.Sprint(score)
	}
	return faces[score]
}

// StatsSatisfactionValue is the average rating over n answers.
func StatsSatisfactionValue(avg float64, n int) string {
	if n == 1 {
		return fmt.Sprintf("%.1f of 5 (1 answer)", avg)
	}
	return fmt.Sprintf("%.1f of 5 (%d answers)", avg, n)
}

// RatingsSummary is the weekly summary's sentence: n ratings, their average.
func RatingsSummary(n int, avg float64) string {
	if n == 1 {
		return fmt.Sprintf("1 new hire rated their setup this week: %.1f of 5.", avg)
	}
	return fmt.Sprintf("%d new hires rated their setup this week: %.1f of 5 on average.", n, avg)
}
