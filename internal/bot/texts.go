package bot

// The router's sentences, in one place for review and translation. The
// dialog's own sentences live in package dialog.
const (
	textInvalidTransition = "That request has already moved on; the card shows where it stands now."
	textConflict          = "Someone else acted on this request at the same moment; the card shows the result."
	textForbidden         = "You are not allowed to do that."
	textSelfApproval      = "You cannot approve a request you made or one for yourself."
	textRequestNotFound   = "I can't find that request."
	textAlreadyRevealed   = "This pass was already revealed. It is shown only once; if it was lost, revoke it and ask for a new one."
	textThrottled         = "Microsoft Graph is busy right now. Nothing was issued; please try again in a minute."
	textUnavailable       = "Microsoft Graph did not answer. Nothing was issued; please try again in a few minutes."
	textPermission        = "tapbot is missing a Microsoft Graph permission for this. Nothing was issued; IT has been told."
	textAudit             = "The audit trail could not be written, so nothing was done. Please tell IT."
	textUserNotFound      = "I can't find that person in the directory."

	textNoIdentity         = "I can't match your chat account to a person in the directory, so I can't act for you. Ask IT to map your account."
	textGuestActor         = "Guests and people from other organisations can't approve or request passes."
	textWelcome            = "Hi, I'm tapbot. I get new hires a Temporary Access Pass, approved by IT and delivered privately.\nSay *request* (or `/tap`) to ask for a pass, *status* to see yours, or *help*."
	textHelp               = "What I understand:\n• *request* — ask for a pass (or just say \"pass for sarah.johnson@contoso.com Monday 7:00, 8 hours\")\n• *status* — your requests\n• *revoke* _user_ — remove a pass you asked for\n• *why* _user_ — why their pass does or does not work (your requests; approvers: anyone)\n• *pending* — requests waiting for approval (approvers)\n• *stats* — onboarding numbers (approvers)\n• *done* — for the new hire: tell me your sign-in is set up\n• *cancel* — stop the request you are writing"
	textNotApprover        = "Only members of the approver group can see pending requests and stats."
	textNoPending          = "Nothing is waiting for approval."
	textNoRequests         = "You have no requests yet. Say *request* to ask for one."
	textRevokeWhom         = "Whose pass should I revoke? Say *revoke* followed by their e-mail address."
	textNoneNamed          = "None of your open requests is for %s. Say *status* to see them."
	textSeveralNamed       = "More than one of your requests is for %s. Use the e-mail address, or see them with *status*."
	textCancelledNamed     = "Cancelled your request for %s. Nothing will be issued."
	textNothingToRevoke    = "There is no open request or live pass for %s that you can revoke."
	textDenyTitle          = "Deny this request"
	textDenyReason         = "Reason (the requester sees it)"
	textDenySubmit         = "Deny"
	textDenyNeedReason     = "Please give a reason; the requester sees it."
	textSubmitted          = "Your request for %s went to the approvers. I'll tell you when someone decides."
	textQueued             = "Your request for %s is saved, but I couldn't reach the approvers yet. I'll keep trying and tell you when it has reached them."
	textQueuedIntake       = "HR asked for a pass for %s starting %s. It is saved, but I couldn't reach the approvers yet; I'll keep trying and tell you when it has reached them."
	textSubmittedIntake    = "HR asked for a pass for %s starting %s; it is waiting for approval. I'll tell you when someone decides, and then only you can reveal it, here."
	textIntakeSource       = "HR system (%s)"
	textIssued             = "Approved by %s. The pass for %s is ready and sealed; only you can reveal it, once."
	textApprovedLater      = "Approved by %s. The pass for %s will be created when you click Reveal; only you can do that, once."
	textNoPrivateSurface   = "This app can't show the pass privately here, so I haven't revealed it. Click Reveal pass in Teams on the desktop or the web (or in Slack); the pass stays sealed until then."
	textNotShown           = "I couldn't show you the pass in time, so I deleted it in Entra rather than leave a pass nobody has seen. Please ask for a new one."
	textStatsPeriod        = "Give the period as a length, like *stats 7 days* or *stats 90d* (at most a year)."
	textNotShownNotRemoved = "I couldn't show you the pass in time, and removing it in Entra failed too. IT has been told; please click Revoke pass or ask IT to remove it, then ask for a new one."
	textRevealButton       = "Reveal pass"
	textRevealNote         = "Shown once and never stored in chat. Hand it to the new hire in person or by phone; don't paste it into chat or e-mail."
	textDenied             = "Your request for %s was denied by %s: %s"
	textCancelled          = "The request for %s was cancelled."
	textRevoked            = "The pass for %s was revoked by %s and removed in Entra."
	textExpiredPending     = "Nobody decided on the request for %s in time, so it expired. Ask again if it is still needed."
	textLapsed             = "The pass for %s was not revealed in time, so it was deleted in Entra. Ask again if it is still needed."
	textPassEnded          = "The pass for %s expired before %s confirmed setup. If they still can't sign in, ask for a new pass."
	textFailed             = "The pass for %s could not be issued: %s"
	textConfirmedRequester = "%s finished setting up (%s) %s after you revealed the pass. The pass was removed."
	textConfirmedHire      = "Thanks, %s — your sign-in is set up and your Temporary Access Pass has been removed. From now on sign in with Windows Hello, Microsoft Authenticator or your passkey."
	textReminder           = "Still waiting for a decision: the request for %s by %s."
	textSecurity           = "Security notice: %s tried to reveal the pass for %s, which only %s may reveal. Nothing was shown."
	textRevealRefused      = "Security notice: %s asked for the pass for %s but may no longer receive it (re-checked in Entra at Reveal). Nothing was shown; revoke the pass if it should not be used."
	textGuideTitle         = "Onboarding guide for %s (safe to forward, no pass inside)"
	textCancelButton       = "Cancel request"
	textApproveButton      = "Approve"
	textDenyButton         = "Deny"
	textApproveConfirm     = "Create a Temporary Access Pass for %s now?"
	textRevokeButton       = "Revoke pass"
)

// Times shown to a reader (see view.at).
const (
	textYourTime     = " (your time)"
	textForRequester = " for the requester"
)

func fmtForHire(name string) string { return " for " + name }

// The new hire's help and "why <user>" (issue 12; the diagnosis's own
// words are in internal/diagnose/texts.go).
const (
	textHirePassComing = "Your pass isn't ready yet: %s asked for it and will hand it to you once it is approved. Nothing to do until then."
	textHireNotHanded  = "%s has not collected your pass yet and will hand it to you."
	textWhyWhom        = "Whose pass? Say *why* and their sign-in name, like *why sarah.johnson@contoso.com*."
	textWhyNotYours    = "I can only explain the pass of someone you asked a pass for. %s isn't one of them (approvers can ask about anyone)."
	textWhyNoUser      = "I can't find %s in Entra. Give the sign-in name, like sarah.johnson@contoso.com."
)
