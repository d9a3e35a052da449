package text

// The router's sentences (package bot): notices, commands, errors.
const (
	InvalidTransition = "That request has already moved on; the card shows where it stands now."
	Conflict          = "Someone else acted on this request at the same moment; the card shows the result."
	Forbidden         = "You are not allowed to do that."
	SelfApproval      = "You cannot approve a request you made or one for yourself."
	RequestNotFound   = "I can't find that request."
	AlreadyRevealed   = "This pass was already revealed. It is shown only once; if it was lost, revoke it and ask for a new one."
	Throttled         = "Microsoft Graph is busy right now. Nothing was issued; please try again in a minute."
	Unavailable       = "Microsoft Graph did not answer. Nothing was issued; please try again in a few minutes."
	Permission        = "tapbot is missing a Microsoft Graph permission for this. Nothing was issued; IT has been told."
	Audit             = "The audit trail could not be written, so nothing was done. Please tell IT."
	UserNotFound      = "I can't find that person in the directory."
	// DialogEnded answers a button of a request conversation that has
	// ended (the request was sent, cancelled or the conversation timed out).
	DialogEnded = "That conversation has ended, so the button does nothing now. Say *status* to see your requests or *request* to start a new one."

	NoIdentity         = "I can't match your chat account to a person in the directory, so I can't act for you. Ask IT to map your account."
	GuestActor         = "Guests and people from other organisations can't approve or request passes."
	Welcome            = "Hi, I'm tapbot. I get new hires a Temporary Access Pass, approved by IT and delivered privately.\nSay *request* (or `/tap`) to ask for a pass, *status* to see yours, or *help*."
	Help               = "What I understand:\n• *request* — ask for a pass (or just say \"pass for sarah.johnson@contoso.com Monday 7:00, 8 hours\")\n• *status* — your requests\n• *revoke* _user_ — remove a pass you asked for\n• *reissue* _user_ — ask for a new pass replacing one that expired, was used or failed (approved again; the old pass is deleted)\n• *reschedule* _user_ _when_ — the start date changed, like *reschedule sarah.johnson@contoso.com Monday 9:00*\n• *withdraw* _user_ _reason_ — the offer was rescinded: the request or pass is removed and the reason recorded\n• *why* _user_ — why their pass does or does not work (your requests; approvers: anyone)\n• *pending* — requests waiting for approval (approvers)\n• *stats* — onboarding numbers (approvers)\n• *done* — for the new hire: tell me your sign-in is set up\n• *cancel* — stop the request you are writing"
	NotApprover        = "Only members of the approver group can see pending requests and stats."
	NoPending          = "Nothing is waiting for approval."
	NoRequests         = "You have no requests yet. Say *request* to ask for one."
	RevokeWhom         = "Whose pass should I revoke? Say *revoke* followed by their e-mail address."
	NoneNamed          = "None of your open requests is for %s. Say *status* to see them."
	SeveralNamed       = "More than one of your requests is for %s. Use the e-mail address, or see them with *status*."
	CancelledNamed     = "Cancelled your request for %s. Nothing will be issued."
	NothingToRevoke    = "There is no open request or live pass for %s that you can revoke."
	DenyTitle          = "Deny this request"
	DenyReason         = "Reason (the requester sees it)"
	DenySubmit         = "Deny"
	DenyNeedReason     = "Please give a reason; the requester sees it."
	Submitted          = "Your request for %s went to the approvers. I'll tell you when someone decides."
	Queued             = "Your request for %s is saved, but I couldn't reach the approvers yet. I'll keep trying and tell you when it has reached them."
	QueuedIntake       = "HR asked for a pass for %s starting %s. It is saved, but I couldn't reach the approvers yet; I'll keep trying and tell you when it has reached them."
	SubmittedIntake    = "HR asked for a pass for %s starting %s; it is waiting for approval. I'll tell you when someone decides, and then only you can reveal it, here."
	IntakeSource       = "HR system (%s)"
	Issued             = "Approved by %s. The pass for %s is ready and sealed; only you can reveal it, once."
	ApprovedLater      = "Approved by %s. The pass for %s will be created when you click Reveal; only you can do that, once."
	NoPrivateSurface   = "This app can't show the pass privately here, so I haven't revealed it. Click Reveal pass in Teams on the desktop or the web (or in Slack); the pass stays sealed until then."
	NotShown           = "I couldn't show you the pass in time, so I deleted it in Entra rather than leave a pass nobody has seen. Please ask for a new one."
	StatsPeriod        = "Give the period as a length, like *stats 7 days* or *stats 90d* (at most a year)."
	NotShownNotRemoved = "I couldn't show you the pass in time, and removing it in Entra failed too. IT has been told; please click Revoke pass or ask IT to remove it, then ask for a new one."
	RevealButton       = "Reveal pass"
	RevealNote         = "Shown once and never stored in chat. Hand it to the new hire in person or by phone; don't paste it into chat or e-mail."
	Denied             = "Your request for %s was denied by %s: %s"
	Cancelled          = "The request for %s was cancelled."
	Revoked            = "The pass for %s was revoked by %s and removed in Entra."
	ExpiredPending     = "Nobody decided on the request for %s in time, so it expired. Ask again if it is still needed."
	Lapsed             = "The pass for %s was not revealed in time, so it was deleted in Entra. Ask again if it is still needed."
	QueueLapsed        = "The approved pass for %s could not be created in time (Microsoft Graph was busy), so none was created. Ask again if it is still needed."
	// StateQueued is a queued request's state in the status list.
	StateQueued        = "approved, queued for issuance"
	PassEnded          = "The pass for %s expired before %s confirmed setup. If they still can't sign in, ask for a new pass."
	Failed             = "The pass for %s could not be issued: %s"
	ConfirmedRequester = "%s finished setting up (%s) %s after you revealed the pass. The pass was removed."
	ConfirmedHire      = "Thanks, %s — your sign-in is set up and your Temporary Access Pass has been removed. From now on sign in with Windows Hello, Microsoft Authenticator or your passkey."
	Reminder           = "Still waiting for a decision: the request for %s by %s."
	Security           = "Security notice: %s tried to reveal the pass for %s, which only %s may reveal. Nothing was shown."
	RevealRefused      = "Security notice: %s asked for the pass for %s but may no longer receive it (re-checked in Entra at Reveal). Nothing was shown; revoke the pass if it should not be used."
	GuideTitle         = "Onboarding guide for %s (safe to forward, no pass inside)"
	CancelButton       = "Cancel request"
	ApproveButton      = "Approve"
	DenyButton         = "Deny"
	ApproveConfirm     = "Create a Temporary Access Pass for %s now?"
	RevokeButton       = "Revoke pass"
)

// Times shown to a reader (see bot view.at).
const (
	YourTime     = " (your time)"
	ForRequester = " for the requester"
)

// ForHire labels a time shown in the new hire's zone.
func ForHire(name string) string { return " for " + name }

// The new hire's help and "why <user>" (the diagnosis's own words are in
// diagnose.go).
const (
	HirePassComing = "Your pass isn't ready yet: %s asked for it and will hand it to you once it is approved. Nothing to do until then."
	HireNotHanded  = "%s has not collected your pass yet and will hand it to you."
	WhyWhom        = "Whose pass? Say *why* and their sign-in name, like *why sarah.johnson@contoso.com*."
	WhyNotYours    = "I can only explain the pass of someone you asked a pass for. %s isn't one of them (approvers can ask about anyone)."
	WhyNoUser      = "I can't find %s in Entra. Give the sign-in name, like sarah.johnson@contoso.com."
)

// Reissue, reschedule and withdraw: the commands, the "Issue a new pass"
// button and their notices.
const (
	ReissueButton        = "Issue a new pass"
	ReissueWhom          = "Whose pass should I issue again? Say *reissue* followed by their e-mail address."
	RescheduleHow        = "Say *reschedule*, their e-mail address and the new start, like *reschedule sarah.johnson@contoso.com Monday 9:00*."
	WithdrawHow          = "Say *withdraw*, their e-mail address and the reason, like *withdraw sarah.johnson@contoso.com offer rescinded*."
	NothingToReissue     = "There is no request for %s that you can replace. Say *status* to see yours."
	NothingToWithdraw    = "There is no open request or live pass for %s that you can withdraw."
	RescheduledRequester = "The pass for %s now starts %s (changed by %s)."
	RescheduledCleared   = " The approval given for the old start was cleared: the approvers are asked again."
	RescheduledApprovers = "The start of the request for %s changed to %s (by %s). Please decide on the card with the new start."
	ReplacedRequester    = "%s asked for a new pass for %s to replace this request; its pass was deleted in Entra."
	WithdrawnRequester   = "The request for %s was withdrawn by %s: %s. Any pass was deleted in Entra."
)

// RevealReminder reminds the requester that a pass for name waits to be
// revealed and lapses at by (the reader's time).
func RevealReminder(name, by string) string {
	return "Reminder: the pass for " + name + " is approved and waiting for you. Reveal it before " + by +
		"; after that it is deleted and would have to be asked for again."
}

// SetupReminder tells the requester that name has not confirmed setup
// halfway through the pass's life; it ends at ends; who is how to name
// them in a `why` command.
func SetupReminder(name, ends, who string) string {
	return name + " has not told me the sign-in is set up yet, and the pass stops working at " + ends +
		". If they are stuck, say `why " + who + "` to see what Entra says about the pass."
}
