package text

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// rendered is every function of the catalogue, called with sample values.
func rendered() []struct{ name, got string } {
	at := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)
	user := tap.User{ID: "u1", DisplayName: "Sarah Johnson", UPN: "sarah@contoso.com", Created: at}
	actor := tap.Actor{Name: "Alex Wilber"}
	req := &tap.Request{State: tap.StatePending, Requester: actor, CreatedAt: at.Add(-time.Hour)}
	return []struct{ name, got string }{
		{"Required", Required("Sam Lee")},
		{"BulkUnreadable", BulkUnreadable("line 3: bare quote in a field")},
		{"BulkTooLarge", BulkTooLarge(300, 256)},
		{"BulkTooManyRows", BulkTooManyRows(500)},
		{"BulkUnknownColumn", BulkUnknownColumn("email")},
		{"BulkBadLifetime", BulkBadLifetime("eight hours")},
		{"BulkBadOneTime", BulkBadOneTime("maybe")},
		{"BulkCellTooLong", BulkCellTooLong("note", 1000)},
		{"BulkHiddenChars", BulkHiddenChars("upn")},
		{"BulkBadStart", BulkBadStart("next monday")},
		{"BulkBadZone", BulkBadZone("Mars/Olympus")},
		{"BulkRowRefusal", BulkRowRefusal(7, "adele.vance@contoso.com", "Adele Vance has a privileged account.")},
		{"BulkSummary", BulkSummary(48, 45, 3)},
		{"BulkMoreRefused", BulkMoreRefused(12)},
		{"BulkSendButton", BulkSendButton(45)},
		{"BulkCardTitle", BulkCardTitle(45, "Sales onboarding", "7–11 Dec")},
		{"BulkCardTitle one", BulkCardTitle(1, "Sales onboarding", "7 Dec")},
		{"BulkWaiting", BulkWaiting(45)},
		{"BulkProgress", BulkProgress(45, 30, 0, "1 min")},
		{"BulkFinished", BulkFinished(45, 0)},
		{"BulkSecondApprover", BulkSecondApprover(3)},
		{"BulkSecondApprover one", BulkSecondApprover(1)},
		{"BulkOtherwise", BulkOtherwise(2)},
		{"BulkSent", BulkSent(45, "Sales onboarding")},
		{"BulkSubmittedManager", BulkSubmittedManager("Alex Wilber", "Sarah Johnson", "Mon 7 Dec 2026 07:00 PST")},
		{"BulkSubmittedManagerMany", BulkSubmittedManagerMany("Alex Wilber", 12, "Sales onboarding", "7–11 Dec", "Sarah Johnson, Diego Siciliani")},
		{"BulkAlreadyApproved", BulkAlreadyApproved("Irvin Sayers", "Mon 7 Dec 2026 07:00 PST")},
		{"BulkNoManager", BulkNoManager("nobody@contoso.com")},
		{"BulkNoEntraManager", BulkNoEntraManager("sarah@contoso.com")},
		{"BulkDuplicate", BulkDuplicate(4)},
		{"BulkLeft", BulkLeft(3)},
		{"BulkSentSummary", BulkSentSummary(45)},
		{"BulkAndMore", BulkAndMore(12)},
		{"FeedbackButton", FeedbackButton(5)},
		{"RevealReminder", RevealReminder("Sam Lee", "Mon 7 Dec 2026 15:00 PST")},
		{"SetupReminder", SetupReminder("Sam Lee", "Mon 7 Dec 2026 15:00 PST", "sam.lee@contoso.com")},
		{"StatsAdoptionOfUsed", StatsAdoptionOfUsed("4 in 5", 5)}, // a real percent sign reads as a verb here
		{"RatingsSummary", RatingsSummary(3, 4.33)},
		{"FeedbackCommentLong", FeedbackCommentLong(312, 280)},
		{"RatingsCommentLabel", RatingsCommentLabel(4)},
		{"StatsSatisfactionValue", StatsSatisfactionValue(4.25, 8)},
		{"RevealRefusedNotice", RevealRefusedNotice("Sam Lee")},
		{"RevealedAt", RevealedAt("Sam Lee")},
		{"OpenRaced", OpenRaced("Sam Lee")},
		{"ExpiredUndecided", ExpiredUndecided("Sam Lee")},
		{"MovedApproved", MovedApproved("Sam Lee", "Sam Lee")},
		{"MovedDenied", MovedDenied("Sam Lee", "Sam Lee")},
		{"MovedCancelled", MovedCancelled("Sam Lee", "Sam Lee")},
		{"MovedExpired", MovedExpired("Sam Lee")},
		{"MovedRevoked", MovedRevoked("Sam Lee")},
		{"MovedFailed", MovedFailed("Sam Lee")},
		{"MovedOther", MovedOther("Sam Lee")},
		{"NoPassCreated", NoPassCreated("Sam Lee")},
		{"NoMethodYet", NoMethodYet([]tap.MethodKind{tap.MethodWindowsHello, tap.MethodFIDO2})},
		{"MethodName", MethodName(tap.MethodFIDO2)},
		{"RequestNote", RequestNote("Sam Lee")},
		{"RequestTitle", RequestTitle("Sam Lee")},
		{"StatsTitle", StatsTitle("Sam Lee")},
		{"PassTitle", PassTitle("Sam Lee")},
		{"Stamp", Stamp("Sam Lee")},
		{"StatusSecondApprover", StatusSecondApprover("Sam Lee")},
		{"StatusApproved", StatusApproved("Sam Lee", "Sam Lee")},
		{"StatusQueued", StatusQueued("Sam Lee", " at 15:00 UTC, 7 Dec")},
		{"StatusIssuing", StatusIssuing("Sam Lee", "Sam Lee")},
		{"StatusIssued", StatusIssued("Sam Lee", "Sam Lee")},
		{"StatusDelivered", StatusDelivered("Sam Lee", "Sam Lee", "Sam Lee")},
		{"StatusConfirmed", StatusConfirmed("Sam Lee")},
		{"StatusDenied", StatusDenied("Sam Lee", "Sam Lee", "Sam Lee")},
		{"StatusCancelled", StatusCancelled("Sam Lee")},
		{"StatusExpired", StatusExpired("Sam Lee")},
		{"StatusRevoked", StatusRevoked("Sam Lee")},
		{"StatusFailed", StatusFailed("Sam Lee")},
		{"Incident", Incident("Sam Lee")},
		{"FirstUsedByEntra", FirstUsedByEntra("Sam Lee")},
		{"FirstUsedFrom", FirstUsedFrom("Sam Lee", "Sam Lee")},
		{"DialogCurrent", DialogCurrent("Sam Lee")},
		{"DialogLabelMine", DialogLabelMine("Sam Lee")},
		{"DialogUntil", DialogUntil("Sam Lee")},
		{"DialogChanged", DialogChanged("Sam Lee")},
		{"GraphPermission", GraphPermission("Sam Lee", "Sam Lee")},
		{"GraphLifetimeBetween", GraphLifetimeBetween("Sam Lee", "Sam Lee")},
		{"GraphNoUser", GraphNoUser("Sam Lee")},
		{"TargetNotFound", TargetNotFound("Sam Lee")},
		{"Disabled", Disabled(user)},
		{"Guest", Guest(user, "Sam Lee")},
		{"Privileged", Privileged(user, tap.RoleAssignment{RoleName: "Global Administrator", Eligible: true})},
		{"RolesUnknown", RolesUnknown(user)},
		{"Excluded", Excluded(user)},
		{"NotIncluded", NotIncluded(user)},
		{"UnknownReason", UnknownReason(tap.ReasonOnboarding)},
		{"TooShort", TooShort(90*time.Minute, 90*time.Minute)},
		{"TooLong", TooLong(90*time.Minute, 90*time.Minute, "Sam Lee", tap.ReasonOnboarding)},
		{"NoLifetimeFits", NoLifetimeFits(90*time.Minute, 90*time.Minute, "Sam Lee", tap.ReasonOnboarding)},
		{"StartPast", StartPast(at, "Sam Lee")},
		{"StartTooFar", StartTooFar(at, "Sam Lee", 90*time.Minute)},
		{"OpenForTarget", OpenForTarget(user, req, at)},
		{"Ago", Ago(90 * time.Minute)},
		{"OpenQuota", OpenQuota(3)},
		{"DailyQuota", DailyQuota(3)},
		{"NotApproverFor", NotApproverFor(tap.ReasonOnboarding)},
		{"Revoker", Revoker(tap.ReasonOnboarding)},
		{"Reissuer", Reissuer(tap.ReasonOnboarding)},
		{"NotSameApprover", NotSameApprover([]string{"Sam Lee", "Alex Wilber"})},
		{"StatusWithdrawn", StatusWithdrawn("Sam Lee", " at 09:00", "offer rescinded")},
		{"StatusReplaced", StatusReplaced(" at 09:00", "r1")},
		{"ThenReplaced", ThenReplaced("r1")},
		{"ReplacesValue", ReplacesValue("r1")},
		{"SameApproverValue", SameApproverValue("Sam Lee or Alex Wilber")},
		{"ReissuePending", ReissuePending("Sam Lee")},
		{"ReissueIssuing", ReissueIssuing("Sam Lee")},
		{"ReissueClosed", ReissueClosed("Sam Lee", "denied")},
		{"AlreadyReissued", AlreadyReissued("Sam Lee", "Alex Wilber", ReplacementPending, "r1")},
		{"WarnLivePass", WarnLivePass(user, tap.Pass{Start: at, Lifetime: time.Hour}, "Sam Lee")},
		{"WarnLivePassUnknown", WarnLivePassUnknown(user)},
		{"WarnLifetimeClipped", WarnLifetimeClipped(tap.ReasonOnboarding, 90*time.Minute, 90*time.Minute, "Sam Lee")},
		{"SourceReason", SourceReason(tap.ReasonOnboarding)},
		{"Name", Name(user)},
		{"Duration", Duration(90 * time.Minute)},
		{"PrivilegedTarget", PrivilegedTarget(user)},
		{"PrivilegedUnnamed", PrivilegedUnnamed(user)},
		{"NowNeedsTwo", NowNeedsTwo(user)},
		{"MayNotRequest", MayNotRequest(true, true)},
		{"ApproverGone", ApproverGone(actor)},
		{"RevealRequester", RevealRequester("Sam Lee")},
		{"EvidenceMethod", EvidenceMethod(user, tap.Method{Kind: tap.MethodFIDO2, Created: at})},
		{"EvidenceOldAccount", EvidenceOldAccount(user, 3)},
		{"WarnTreatedAsRecovery", WarnTreatedAsRecovery(tap.ReasonOnboarding, "Sam Lee")},
		{"MethodWords", MethodWords(tap.MethodFIDO2)},
		{"ReasonList", ReasonList()},
		{"ForHire", ForHire("Sam Lee")},
		{"StatsSince", StatsSince("Sam Lee")},
		{"StatsUntil", StatsUntil("Sam Lee")},
		{"StatsFromTo", StatsFromTo("Sam Lee", "Sam Lee")},
		{"WatchNeverUsed", WatchNeverUsed("Sam Lee", "Sam Lee")},
		{"WatchTwoPlaces", WatchTwoPlaces("Sam Lee")},
		{"WatchAfterHours", WatchAfterHours("Sam Lee", "Sam Lee")},
		{"WatchBeforeStart", WatchBeforeStart("Sam Lee", "Sam Lee")},
		{"WatchFailures", WatchFailures(3)},
		{"WatchFailedSignIn", WatchFailedSignIn("Sam Lee", 3)},
		{"WatchSignIn", WatchSignIn("Sam Lee", "Sam Lee")},
	}
}

var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// TestRendered fails when a function of the catalogue renders an empty
// sentence or one with a format verb left in it or gone wrong ("%!").
func TestRendered(t *testing.T) {
	for _, r := range rendered() {
		if strings.TrimSpace(r.got) == "" {
			t.Errorf("%s renders empty", r.name)
		}
		if strings.Contains(r.got, "%!") || verb.MatchString(strings.ReplaceAll(r.got, "%%", "")) {
			t.Errorf("%s renders a stray format verb: %q", r.name, r.got)
		}
	}
}

// TestConstants fails when a string constant of the catalogue is empty,
// or does not render cleanly with as many values as it has verbs.
func TestConstants(t *testing.T) {
	consts := catalogue(t)
	if len(consts) < 200 {
		t.Fatalf("found only %d constants", len(consts))
	}
	for name, s := range consts {
		if strings.TrimSpace(s) == "" {
			t.Errorf("%s is empty", name)
			continue
		}
		var args []any
		for _, v := range verb.FindAllString(s, -1) {
			switch {
			case v == "%%":
			case strings.HasSuffix(v, "d"):
				args = append(args, 3)
			default:
				args = append(args, "x")
			}
		}
		if got := fmt.Sprintf(s, args...); strings.Contains(got, "%!") {
			t.Errorf("%s renders badly: %q", name, got)
		}
	}
}

// TestEveryFunctionRendered keeps rendered complete: a new function of
// the catalogue must be added to it.
func TestEveryFunctionRendered(t *testing.T) {
	have := map[string]bool{}
	for _, r := range rendered() {
		have[r.name] = true
	}
	for _, f := range parseCatalogue(t) {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if ok && fd.Recv == nil && fd.Name.IsExported() && !have[fd.Name.Name] {
				t.Errorf("%s is not in rendered()", fd.Name.Name)
			}
		}
	}
}

func parseCatalogue(t *testing.T) []*ast.File {
	t.Helper()
	ents, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range ents {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// catalogue reads the exported string constants (literals joined by +).
func catalogue(t *testing.T) map[string]string {
	out := map[string]string{}
	for _, f := range parseCatalogue(t) {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if s, ok := literal(vs.Values[i]); ok && n.IsExported() {
						out[n.Name] = s
					}
				}
			}
		}
	}
	return out
}

func literal(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		a, ok1 := literal(e.X)
		b, ok2 := literal(e.Y)
		return a + b, ok1 && ok2 && e.Op == token.ADD
	}
	return "", false
}
