package text

import "fmt"

// The bulk upload's words: the file's problems (internal/bulk), the
// summary, the bulk approval card and its progress (internal/bot).
const (
	BulkNoHeader    = "The file has no header line: the first line must name the columns (upn, start, lifetime, reason, manager, one_time, note, time_zone, external_ref)."
	BulkNoUPN       = "The header has no \"upn\" column: every row needs the new hire's user principal name."
	BulkNoRows      = "The file has a header but no rows."
	BulkNotCSV      = "Only a CSV file (.csv) can be sent as a batch."
	BulkNotAllowed  = "Only an approver or a member of a requester group (HR, helpdesk) can send a batch of requests."
	BulkPasteHow    = "Paste the CSV in the box: a header line naming the columns (upn, start, lifetime, reason, manager, one_time, note, time_zone, external_ref), then one new hire per line."
	BulkPasteTitle  = "Requests from a CSV"
	BulkPasteLabel  = "CSV"
	BulkTitleLabel  = "Name of the batch (optional)"
	BulkPasteSubmit = "Check the rows"
	BulkGone        = "This batch is no longer known (it was checked more than a day ago); send the file again."
	BulkNothing     = "No row of this batch is ready to be sent."
	BulkOwnBatch    = "You sent this batch, so someone else must approve it."
	BulkNoneLeft    = "Nothing in this batch waits for approval any more."
	BulkDownload    = "tapbot could not download the file from the chat; try again in a minute."
	// BulkSentTitle heads the uploader's progress message.
	BulkSentTitle      = "Batch sent for approval"
	BulkApproveAll     = "Approve all"
	BulkReviewEach     = "Review each"
	BulkApproveConfirm = "Approve every request of this batch? Each pass is created as soon as it is approved."
	BulkReviewing      = "The requests were posted here one by one."
)

// BulkUnreadable: the CSV reader's complaint.
func BulkUnreadable(why string) string {
	return fmt.Sprintf("The file is not a CSV tapbot can read (%s).", why)
}

// BulkTooLarge: the file's size and the limit, in KiB.
func BulkTooLarge(kib, limit int) string {
	return fmt.Sprintf("The file is %d KiB; a batch can be at most %d KiB. Split it into smaller files.", kib, limit)
}

// BulkTooManyRows: more rows than a batch may hold.
func BulkTooManyRows(limit int) string {
	return fmt.Sprintf("The file has more than %d rows; split it into smaller files.", limit)
}

// BulkUnknownColumn names a header cell that is not a column.
func BulkUnknownColumn(col string) string {
	return fmt.Sprintf("unknown column %q (known: upn, start, lifetime, reason, manager, one_time, note, time_zone, external_ref).", col)
}

// BulkBadLifetime: a lifetime cell that is neither minutes nor a duration.
func BulkBadLifetime(v string) string {
	return fmt.Sprintf("lifetime %q is not minutes (480) or a duration (8h).", v)
}

// BulkBadOneTime: a one_time cell that is not yes or no.
func BulkBadOneTime(v string) string { return fmt.Sprintf("one_time %q is not yes or no.", v) }

// BulkCellTooLong: a cell longer than its limit (column, characters).
func BulkCellTooLong(col string, limit int) string {
	return fmt.Sprintf("%s is longer than %d characters.", col, limit)
}

// BulkHiddenChars: a cell holding invisible or direction-changing characters.
func BulkHiddenChars(col string) string {
	return fmt.Sprintf("%s holds invisible or text-direction characters; type it again without them.", col)
}

// BulkNoUPNCell: a row with an empty upn.
const BulkNoUPNCell = "upn is empty."

// BulkBadStart: a start cell that is neither a date nor a date and time.
func BulkBadStart(v string) string {
	return fmt.Sprintf("start %q is not a date like 2026-12-07 or a date and time like 2026-12-07T07:00:00-08:00.", v)
}

// BulkBadZone: a time_zone cell that is not an IANA zone.
func BulkBadZone(v string) string {
	return fmt.Sprintf("time_zone %q is not an IANA time zone like America/Los_Angeles.", v)
}

// BulkRowRefusal is one refused row in a summary: the row's number, who,
// and the refusal's sentence.
func BulkRowRefusal(row int, who, why string) string {
	return fmt.Sprintf("row %d (%s): %s", row, who, why)
}

// BulkSummary heads the answer to an upload: "48 rows: 45 ready, 3 refused".
func BulkSummary(rows, ready, refused int) string {
	return fmt.Sprintf("%d rows: %d ready, %d refused", rows, ready, refused)
}

// BulkMoreRefused ends a refusal list cut short: how many more.
func BulkMoreRefused(n int) string { return fmt.Sprintf("… and %d more refused rows.", n) }

// BulkSendButton is the one button of the summary: "Send 45 for approval".
func BulkSendButton(n int) string { return fmt.Sprintf("Send %d for approval", n) }

// BulkCardTitle is the bulk approval card's title: "45 passes for Sales
// onboarding, 7–11 Dec" (count, the batch's name, the dates).
func BulkCardTitle(n int, title, dates string) string {
	if n == 1 {
		return fmt.Sprintf("1 pass for %s, %s", title, dates)
	}
	return fmt.Sprintf("%d passes for %s, %s", n, title, dates)
}

// Bulk card facts.
const (
	BulkSentBy    = "Sent by"
	BulkRefused   = "Refused at upload"
	BulkStatus    = "Status"
	BulkRequests  = "Requests"
	BulkNoteLabel = "Batch"
)

// BulkWaiting: the card's status before anyone decided.
func BulkWaiting(n int) string { return fmt.Sprintf("%d requests wait for approval.", n) }

// BulkProgress is the line redrawn while a batch is issued.
func BulkProgress(total, done, failed int, left string) string {
	s := fmt.Sprintf("Issuing %d passes: %d done, %d failed", total, done, failed)
	if left != "" {
		s += ", ~" + left + " left"
	}
	return s
}

// BulkFinished is the final line: "45 issued, 0 failed".
func BulkFinished(issued, failed int) string {
	return fmt.Sprintf("%d issued, %d failed", issued, failed)
}

// BulkSecondApprover: requests that need a second approver stay pending.
func BulkSecondApprover(n int) string {
	if n == 1 {
		return "1 request needs a second approver and is still pending."
	}
	return fmt.Sprintf("%d requests need a second approver and are still pending.", n)
}

// BulkOtherwise: requests of the batch decided otherwise (denied, cancelled, expired).
func BulkOtherwise(n int) string {
	return fmt.Sprintf("%d closed without a pass (denied, cancelled or expired).", n)
}

// BulkSent tells the uploader the batch went to the approvers.
func BulkSent(n int, title string) string {
	return fmt.Sprintf("%d requests for %s went to the approvers as one batch. This message shows the progress.", n, title)
}

// BulkSubmittedManager tells a hiring manager that a batch asked for a
// pass for their hire (the uploader, the hire, the start).
func BulkSubmittedManager(by, name, start string) string {
	return fmt.Sprintf("%s asked for a pass for %s starting %s, in a batch; it is waiting for approval. You will reveal it here once it is approved.", by, name, start)
}

// BulkSubmittedManagerMany tells a hiring manager that a batch asked for
// passes for several of their hires (the uploader, how many, the batch,
// the dates, the names).
func BulkSubmittedManagerMany(by string, n int, title, dates, names string) string {
	return fmt.Sprintf("%s asked for passes for %d of your new hires (%s, %s): %s. They are waiting for approval; you will reveal each pass here once it is approved.", by, n, title, dates, names)
}

// BulkAlreadyApproved: a stale Approve all click.
func BulkAlreadyApproved(who, at string) string {
	return fmt.Sprintf("This batch was already approved by %s at %s.", who, at)
}

// More of the bulk upload's words.
const (
	BulkOnlySender    = "Only the person who uploaded this batch can send it."
	BulkSending       = "This batch is being sent already; its progress follows here."
	BulkAlreadySent   = "This batch was sent for approval already."
	BulkApprovedLabel = "Approved by"
	// BulkDefaultTitle names a batch its sender gave no name.
	BulkDefaultTitle = "new hires"
)

// BulkNoManager: a manager cell naming nobody tapbot can find in Entra.
func BulkNoManager(who string) string {
	return fmt.Sprintf("I can't find the manager %s in Entra.", who)
}

// BulkNoEntraManager: "manager" asked for the new hire's manager, who has none.
func BulkNoEntraManager(upn string) string {
	return fmt.Sprintf("%s has no manager in Entra; name the hiring manager in the manager column.", upn)
}

// BulkDuplicate: the same new hire on an earlier row.
func BulkDuplicate(line int) string {
	return fmt.Sprintf("the same person is on row %d already.", line)
}

// BulkLeft is the estimate of the time left: "1 min", "12 min".
func BulkLeft(minutes int) string { return fmt.Sprintf("%d min", max(minutes, 1)) }

// BulkSentSummary replaces the summary's button once the batch is sent.
func BulkSentSummary(n int) string { return fmt.Sprintf("Sent %d for approval.", n) }

// BulkAndMore ends a list of names cut short: "and 12 more".
func BulkAndMore(n int) string { return fmt.Sprintf("and %d more", n) }
