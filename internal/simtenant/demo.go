package simtenant

import (
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// The demo tenant's fixed ids and names. Local mode and the Teams
// Playground configuration rely on them: do not change them.
const (
	DemoTenantID = "6f0e3c4a-7b1d-4c2e-9a8f-3d5b7e9c1a20"
	DemoDomain   = "contoso.com"

	DemoMeganID   = "a1f4c1e2-0000-4000-8000-000000000001" // manager (Sales Manager)
	DemoAlexID    = "a1f4c1e2-0000-4000-8000-000000000002" // approver (IT)
	DemoIrvinID   = "a1f4c1e2-0000-4000-8000-000000000003" // approver (IT)
	DemoSarahID   = "a1f4c1e2-0000-4000-8000-000000000004" // new hire, hire date next Monday
	DemoDiegoID   = "a1f4c1e2-0000-4000-8000-000000000005" // new hire
	DemoLeeID     = "a1f4c1e2-0000-4000-8000-000000000006" // external guest
	DemoAdeleID   = "a1f4c1e2-0000-4000-8000-000000000007" // Global Administrator
	DemoJohannaID = "a1f4c1e2-0000-4000-8000-000000000008" // disabled account
	DemoGradyID   = "a1f4c1e2-0000-4000-8000-000000000009" // PIM-eligible Privileged Role Administrator
	DemoPradeepID = "a1f4c1e2-0000-4000-8000-000000000010" // existing employee with Authenticator: a recovery
	DemoLynneID   = "a1f4c1e2-0000-4000-8000-000000000011" // new hire (a batch's)
	DemoNestorID  = "a1f4c1e2-0000-4000-8000-000000000012" // new hire (a batch's)

	DemoMeganUPN   = "megan.bowen@contoso.com"
	DemoAlexUPN    = "alex.wilber@contoso.com"
	DemoIrvinUPN   = "irvin.sayers@contoso.com"
	DemoSarahUPN   = "sarah.johnson@contoso.com"
	DemoDiegoUPN   = "diego.siciliani@contoso.com"
	DemoLeeUPN     = "lee.gu_fabrikam.com#EXT#@contoso.com"
	DemoLeeMail    = "lee.gu@fabrikam.com"
	DemoAdeleUPN   = "adele.vance@contoso.com"
	DemoJohannaUPN = "johanna.lorenz@contoso.com"
	DemoGradyUPN   = "grady.archie@contoso.com"
	DemoPradeepUPN = "pradeep.gupta@contoso.com"
	DemoLynneUPN   = "lynne.robbins@contoso.com"
	DemoNestorUPN  = "nestor.wilke@contoso.com"

	DemoApproversGroupID  = "b2e5d3f4-0000-4000-8000-0000000000a1" // "TAP Approvers" = {Alex, Irvin}
	DemoRequestersGroupID = "b2e5d3f4-0000-4000-8000-0000000000a2" // "TAP Requesters" (helpdesk), empty
	DemoApproversGroup    = "TAP Approvers"
	DemoRequestersGroup   = "TAP Requesters"
)

// nextMonday returns the first Monday strictly after now, at 08:00 UTC.
func nextMonday(now time.Time) time.Time {
	now = now.UTC()
	days := (int(time.Monday) - int(now.Weekday()) + 7) % 7
	if days == 0 {
		days = 7
	}
	d := now.AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), 8, 0, 0, 0, time.UTC)
}

// Demo seeds t with the local-mode demo tenant (Sarah's mailbox is in
// Eastern time, Diego's in Berlin's, Grady's in India's; the others have
// no mailbox zone): a manager, two approvers
// in "TAP Approvers", an empty "TAP Requesters" group, new hires, an
// external guest, a Global Administrator, a disabled account and a
// PIM-eligible Privileged Role Administrator, all managed by Megan Bowen,
// and the default TAP policy (enabled for all users, 60–480 minutes).
func Demo(t *Tenant) {
	t.mu.Lock()
	now := t.now()
	t.mu.Unlock()
	users := []User{
		{ID: DemoMeganID, UPN: DemoMeganUPN, DisplayName: "Megan Bowen", Mail: DemoMeganUPN, Department: "Sales", JobTitle: "Sales Manager"},
		{ID: DemoAlexID, UPN: DemoAlexUPN, DisplayName: "Alex Wilber", Mail: DemoAlexUPN, Department: "IT", JobTitle: "IT Administrator"},
		{ID: DemoIrvinID, UPN: DemoIrvinUPN, DisplayName: "Irvin Sayers", Mail: DemoIrvinUPN, Department: "IT", JobTitle: "IT Administrator"},
		{ID: DemoSarahID, UPN: DemoSarahUPN, DisplayName: "Sarah Johnson", Mail: DemoSarahUPN, Department: "Sales", JobTitle: "Account Executive", HireDate: nextMonday(now),
			MailboxZone: "Eastern Standard Time"},
		{ID: DemoDiegoID, UPN: DemoDiegoUPN, DisplayName: "Diego Siciliani", Mail: DemoDiegoUPN, Department: "Sales", JobTitle: "Sales Associate", MailboxZone: "W. Europe Standard Time"},
		{ID: DemoLeeID, UPN: DemoLeeUPN, DisplayName: "Lee Gu", Mail: DemoLeeMail, Department: "Sales", UserType: "Guest", ExternalUserState: "Accepted"},
		{ID: DemoAdeleID, UPN: DemoAdeleUPN, DisplayName: "Adele Vance", Mail: DemoAdeleUPN, Department: "IT", JobTitle: "Global Administrator"},
		{ID: DemoJohannaID, UPN: DemoJohannaUPN, DisplayName: "Johanna Lorenz", Mail: DemoJohannaUPN, Department: "Sales", Disabled: true},
		{ID: DemoGradyID, UPN: DemoGradyUPN, DisplayName: "Grady Archie", Mail: DemoGradyUPN, Department: "IT", JobTitle: "Systems Engineer", MailboxZone: "Asia/Kolkata"},
		{ID: DemoPradeepID, UPN: DemoPradeepUPN, DisplayName: "Pradeep Gupta", Mail: DemoPradeepUPN, Department: "Sales", JobTitle: "Account Manager",
			Created: time.Date(2024, 5, 6, 9, 0, 0, 0, time.UTC)},
		// Two more new hires, for a batch of requests (bulk).
		{ID: DemoLynneID, UPN: DemoLynneUPN, DisplayName: "Lynne Robbins", Mail: DemoLynneUPN, Department: "Sales", JobTitle: "Sales Associate", HireDate: nextMonday(now)},
		{ID: DemoNestorID, UPN: DemoNestorUPN, DisplayName: "Nestor Wilke", Mail: DemoNestorUPN, Department: "Sales", JobTitle: "Sales Associate", HireDate: nextMonday(now)},
	}
	for _, u := range users {
		t.AddUser(u)
	}
	// Irvin (an approver) reports to Megan too: asking for his pass is the
	// approval-bootstrap attack tapbot refuses.
	for _, id := range []string{DemoSarahID, DemoDiegoID, DemoLeeID, DemoAdeleID, DemoJohannaID, DemoGradyID, DemoIrvinID, DemoPradeepID,
		DemoLynneID, DemoNestorID} {
		_ = t.SetManager(id, DemoMeganID) // both ids were just added
	}
	t.AddGroup(Group{ID: DemoApproversGroupID, DisplayName: DemoApproversGroup})
	t.AddGroup(Group{ID: DemoRequestersGroupID, DisplayName: DemoRequestersGroup})
	_ = t.AddMember(DemoApproversGroupID, DemoAlexID)
	_ = t.AddMember(DemoApproversGroupID, DemoIrvinID)
	_ = t.AssignRole(DemoAdeleID, "Global Administrator", false)
	_ = t.AssignRole(DemoGradyID, "Privileged Role Administrator", true)
	t.SetPolicy(DefaultPolicy())
	// Pradeep has used his account for years: a pass "for onboarding" is
	// treated as a recovery.
	_, _ = t.RegisterMethod(DemoPradeepID, tap.MethodAuthenticator)
}
