package connectortest

import (
	"encoding/json"
	"net/http"

	"github.com/tapbot/tapbot/internal/teams/connector"
)

// create handles POST /v3/conversations.
func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	body, idx, ok := s.begin(w, r, "create")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var p connector.ConversationParameters
	if err := json.Unmarshal(body, &p); err != nil {
		s.answer(w, idx, http.StatusBadRequest, "BadArgument", "malformed conversation parameters", nil)
		return
	}
	var act *connector.Activity
	var raw json.RawMessage
	if p.Activity != nil {
		var probe struct {
			Activity json.RawMessage `json:"activity"`
		}
		_ = json.Unmarshal(body, &probe)
		a, problem := decodeActivity(probe.Activity)
		if problem != "" {
			s.answer(w, idx, http.StatusBadRequest, "BadArgument", problem, nil)
			return
		}
		act, raw = &a, probe.Activity
	}
	if p.ChannelData != nil && p.ChannelData.Channel != nil && p.ChannelData.Channel.ID != "" {
		// New thread in a channel: the first post is required.
		if act == nil {
			s.answer(w, idx, http.StatusBadRequest, "BadArgument", "a channel thread needs an activity", nil)
			return
		}
		aid := s.nextID()
		c := &Conversation{ID: p.ChannelData.Channel.ID + ";messageid=" + aid, IsGroup: true,
			TenantID: p.TenantID, ChannelID: p.ChannelData.Channel.ID}
		c.Activities = append(c.Activities, Posted{ID: aid, Activity: *act, Raw: raw})
		s.convs[c.ID] = c
		s.answer(w, idx, http.StatusCreated, "", "", connector.ConversationResource{ID: c.ID, ActivityID: aid})
		return
	}
	if p.IsGroup || len(p.Members) != 1 || p.Members[0].ID == "" {
		s.answer(w, idx, http.StatusBadRequest, "BadArgument", "a 1:1 conversation needs exactly one member", nil)
		return
	}
	if p.TenantID == "" && p.ChannelData != nil && p.ChannelData.Tenant != nil {
		p.TenantID = p.ChannelData.Tenant.ID
	}
	if p.TenantID == "" {
		s.answer(w, idx, http.StatusBadRequest, "BadArgument", "tenantId (or channelData.tenant.id) is required", nil)
		return
	}
	key := p.TenantID + "|" + p.Members[0].ID
	id, ok := s.byUser[key]
	if !ok {
		id = "a:1" + s.nextID()
		s.byUser[key] = id
		s.convs[id] = &Conversation{ID: id, TenantID: p.TenantID, Members: []connector.ChannelAccount{p.Members[0]}}
	}
	c := s.convs[id]
	if code := s.block[id]; code != "" {
		s.answer(w, idx, http.StatusForbidden, code, "The bot cannot reach this user.", nil)
		return
	}
	res := connector.ConversationResource{ID: id}
	if act != nil {
		res.ActivityID = s.nextID()
		c.Activities = append(c.Activities, Posted{ID: res.ActivityID, Activity: *act, Raw: raw})
	}
	s.answer(w, idx, http.StatusCreated, "", "", res)
}

// conversation finds (or, when not strict, registers) a conversation.
// Called with s.mu held.
func (s *Server) conversation(id string) *Conversation {
	c := s.convs[id]
	if c == nil && !s.strict {
		c = &Conversation{ID: id}
		s.convs[id] = c
	}
	return c
}

// send handles POST …/activities and POST …/activities/{aid} (reply).
func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	op := "send"
	if r.PathValue("aid") != "" {
		op = "reply"
	}
	body, idx, ok := s.begin(w, r, op)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.conversation(r.PathValue("conv"))
	if c == nil {
		s.answer(w, idx, http.StatusNotFound, "ConversationNotFound", "Conversation not found.", nil)
		return
	}
	a, problem := decodeActivity(body)
	if problem != "" {
		s.answer(w, idx, http.StatusBadRequest, "BadArgument", problem, nil)
		return
	}
	p := Posted{ID: s.nextID(), ReplyToID: r.PathValue("aid"), Activity: a, Raw: body}
	c.Activities = append(c.Activities, p)
	s.answer(w, idx, http.StatusCreated, "", "", map[string]string{"id": p.ID})
}

// update handles PUT …/activities/{aid}.
func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	body, idx, ok := s.begin(w, r, "update")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.find(r.PathValue("conv"), r.PathValue("aid"))
	if p == nil {
		s.answer(w, idx, http.StatusNotFound, "ActivityNotFound", "Activity not found.", nil)
		return
	}
	a, problem := decodeActivity(body)
	if problem != "" {
		s.answer(w, idx, http.StatusBadRequest, "BadArgument", problem, nil)
		return
	}
	if a.ID != "" && a.ID != p.ID {
		s.answer(w, idx, http.StatusBadRequest, "BadArgument", "activity id does not match the url", nil)
		return
	}
	p.Activity, p.Raw = a, body
	p.Updates++
	s.answer(w, idx, http.StatusOK, "", "", map[string]string{"id": p.ID})
}

// del handles DELETE …/activities/{aid}.
func (s *Server) del(w http.ResponseWriter, r *http.Request) {
	_, idx, ok := s.begin(w, r, "delete")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.find(r.PathValue("conv"), r.PathValue("aid"))
	if p == nil {
		s.answer(w, idx, http.StatusNotFound, "ActivityNotFound", "Activity not found.", nil)
		return
	}
	p.Deleted = true
	s.calls[idx].Status = http.StatusOK
	w.WriteHeader(http.StatusOK)
}

// find returns a live activity. Called with s.mu held.
func (s *Server) find(conv, aid string) *Posted {
	c := s.convs[conv]
	if c == nil {
		return nil
	}
	for i := range c.Activities {
		if c.Activities[i].ID == aid && !c.Activities[i].Deleted {
			return &c.Activities[i]
		}
	}
	return nil
}

// members answers GET /v3/conversations/{conv}/members.
func (s *Server) members(w http.ResponseWriter, r *http.Request) {
	_, idx, ok := s.begin(w, r, "members")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Reading members never creates a conversation, strict or not.
	c := s.convs[r.PathValue("conv")]
	if c == nil {
		s.answer(w, idx, http.StatusNotFound, "ConversationNotFound", "Conversation not found.", nil)
		return
	}
	members := append([]connector.ChannelAccount{}, c.Members...)
	s.answer(w, idx, http.StatusOK, "", "", members)
}
