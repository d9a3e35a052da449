// Package tap is tapbot's domain: a Temporary Access Pass request, its
// lifecycle, the people involved, the pass itself (as a redacting Secret),
// the sentinel errors shared by every layer, and the Store interface.
//
// It imports nothing of tapbot's own and only the standard library plus the
// state-machine library that declares the lifecycle table.
package tap
