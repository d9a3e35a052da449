package teams

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"regexp"
	"time"
)

// ManifestVersion is the Teams app manifest schema version the package uses.
const ManifestVersion = "1.30"

// PlaceholderAppID is the app id in the committed manifests/teams/manifest.json;
// BuildPackage puts the real one in.
const PlaceholderAppID = "00000000-0000-0000-0000-000000000000"

// Command is a bot command listed in the Teams command menu.
type Command struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

// Commands are the bot's commands; the core's dialog understands each of
// these words typed on its own.
var Commands = []Command{
	{"request", "Request a Temporary Access Pass for a new hire"},
	{"status", "Show the state of your requests"},
	{"revoke", "Revoke a pass: revoke <user e-mail>"},
	{"reissue", "A new pass replacing one that expired, was used or failed: reissue <user e-mail>"},
	{"reschedule", "The start date changed: reschedule <user e-mail> <when>"},
	{"withdraw", "The offer was rescinded: withdraw <user e-mail> <reason>"},
	{"pending", "Approvers: show requests waiting for a decision"},
	{"stats", "Approvers: passes created, used, time to approve and to set up"},
	{"done", "New hire: tell tapbot your sign-in methods are set up"},
	{"help", "What tapbot can do"},
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Manifest returns the Teams app manifest (schema v1.30) for appID: a bot
// in personal and team scope with the command list.
func Manifest(appID string) ([]byte, error) {
	if !guidRE.MatchString(appID) {
		return nil, fmt.Errorf("teams manifest: app id %q is not a GUID (set TAPBOT_TEAMS_APP_ID)", appID)
	}
	scopes := []string{"personal", "team"}
	m := map[string]any{
		"$schema":         "https://developer.microsoft.com/json-schemas/teams/v" + ManifestVersion + "/MicrosoftTeams.schema.json",
		"manifestVersion": ManifestVersion,
		"version":         "1.0.0",
		"id":              appID,
		"developer": map[string]any{
			"name":          "tapbot",
			"websiteUrl":    "https://github.com/tapbot/tapbot",
			"privacyUrl":    "https://github.com/tapbot/tapbot#privacy",
			"termsOfUseUrl": "https://github.com/tapbot/tapbot#terms",
		},
		"name": map[string]any{"short": "tapbot", "full": "tapbot: Temporary Access Passes for new hires"},
		"description": map[string]any{
			"short": "Request, approve and deliver Entra Temporary Access Passes in chat.",
			"full": "tapbot lets a manager request a Microsoft Entra ID Temporary Access Pass for a new hire, " +
				"routes the request to the approvers' channel, creates the pass on approval, shows it once " +
				"privately to the requester, and closes the loop when the new hire has set up passwordless sign-in.",
		},
		"icons":       map[string]any{"color": "color.png", "outline": "outline.png"},
		"accentColor": "#2B579A",
		"bots": []any{map[string]any{
			"botId":              appID,
			"scopes":             scopes,
			"isNotificationOnly": false,
			"supportsFiles":      true,
			"commandLists":       []any{map[string]any{"scopes": scopes, "commands": Commands}},
		}},
		"permissions":        []string{"identity", "messageTeamMembers"},
		"validDomains":       []string{},
		"webApplicationInfo": map[string]any{"id": appID},
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("teams manifest: %w", err)
	}
	return b.Bytes(), nil
}

// ColorIcon is the 192×192 full-colour icon.
func ColorIcon() []byte {
	return encodePNG(drawIcon(192, color.NRGBA{0x2B, 0x57, 0x9A, 0xFF}, color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}))
}

// OutlineIcon is the 32×32 outline icon: white on transparent.
func OutlineIcon() []byte {
	return encodePNG(drawIcon(32, color.NRGBA{}, color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}))
}

// drawIcon draws a key (a ring and a bar with two teeth) in fg on bg.
func drawIcon(size int, bg, fg color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	s := float64(size)
	cx, cy := 0.32*s, 0.5*s
	outer, inner := 0.2*s, 0.1*s
	for y := range size {
		for x := range size {
			px, py := float64(x)+0.5, float64(y)+0.5
			c := bg
			dx, dy := px-cx, py-cy
			d2 := dx*dx + dy*dy
			ring := d2 <= outer*outer && d2 >= inner*inner
			bar := px >= cx+outer*0.8 && px <= 0.88*s && py >= cy-0.05*s && py <= cy+0.05*s
			tooth1 := px >= 0.66*s && px <= 0.72*s && py > cy && py <= cy+0.16*s
			tooth2 := px >= 0.78*s && px <= 0.84*s && py > cy && py <= cy+0.12*s
			if ring || bar || tooth1 || tooth2 {
				c = fg
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func encodePNG(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // encoding an in-memory NRGBA image cannot fail
	}
	return b.Bytes()
}

// BuildPackage writes the Teams app package (manifest.json, color.png,
// outline.png in a zip) for appID to w, for upload in Teams or the admin
// center.
func BuildPackage(w io.Writer, appID string) error {
	m, err := Manifest(appID)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	// A fixed time keeps the package byte-for-byte reproducible.
	mod := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range []struct {
		name string
		data []byte
	}{{"manifest.json", m}, {"color.png", ColorIcon()}, {"outline.png", OutlineIcon()}} {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: mod})
		if err != nil {
			return fmt.Errorf("teams package: %w", err)
		}
		if _, err := fw.Write(f.data); err != nil {
			return fmt.Errorf("teams package: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("teams package: %w", err)
	}
	return nil
}
