package simtenant

import (
	"fmt"
	"strings"
)

// filter is a parsed OData $filter of the simple shapes Graph clients
// send: field eq 'v', field in ('a','b'), startswith(field,'v'), joined by
// and/or, with parentheses. Comparisons are case-insensitive, as Graph's
// are for the directory properties we serve.
type filter interface {
	match(get func(field string) (string, bool)) bool
}

type eqFilter struct {
	field  string
	values []string
	prefix bool
}

func (f eqFilter) match(get func(string) (string, bool)) bool {
	v, ok := get(f.field)
	if !ok {
		return false
	}
	for _, want := range f.values {
		if f.prefix && strings.HasPrefix(strings.ToLower(v), strings.ToLower(want)) {
			return true
		}
		if !f.prefix && strings.EqualFold(v, want) {
			return true
		}
	}
	return false
}

type boolFilter struct {
	and  bool
	l, r filter
}

func (f boolFilter) match(get func(string) (string, bool)) bool {
	if f.and {
		return f.l.match(get) && f.r.match(get)
	}
	return f.l.match(get) || f.r.match(get)
}

type token struct {
	lit  bool // a quoted string literal
	text string
}

func tokenize(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ':
			i++
		case c == '(' || c == ')' || c == ',':
			out = append(out, token{text: string(c)})
			i++
		case c == '\'':
			var b strings.Builder
			i++
			for {
				if i >= len(s) {
					return nil, fmt.Errorf("unterminated string literal")
				}
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			out = append(out, token{lit: true, text: b.String()})
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '(' && s[j] != ')' && s[j] != ',' && s[j] != '\'' {
				j++
			}
			out = append(out, token{text: s[i:j]})
			i = j
		}
	}
	return out, nil
}

type parser struct {
	toks []token
	pos  int
}

// parseFilter parses s; an error means Graph would answer 400.
func parseFilter(s string) (filter, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	f, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos].text)
	}
	return f, nil
}

func (p *parser) peek(word string) bool {
	return p.pos < len(p.toks) && !p.toks[p.pos].lit && strings.EqualFold(p.toks[p.pos].text, word)
}

func (p *parser) expect(word string) error {
	if !p.peek(word) {
		return fmt.Errorf("expected %q", word)
	}
	p.pos++
	return nil
}

func (p *parser) literal() (string, error) {
	if p.pos >= len(p.toks) || !p.toks[p.pos].lit {
		return "", fmt.Errorf("expected a string literal")
	}
	p.pos++
	return p.toks[p.pos-1].text, nil
}

func (p *parser) ident() (string, error) {
	if p.pos >= len(p.toks) || p.toks[p.pos].lit || strings.ContainsAny(p.toks[p.pos].text, "(),") {
		return "", fmt.Errorf("expected a property name")
	}
	p.pos++
	return p.toks[p.pos-1].text, nil
}

func (p *parser) or() (filter, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek("or") {
		p.pos++
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = boolFilter{l: l, r: r}
	}
	return l, nil
}

func (p *parser) and() (filter, error) {
	l, err := p.atom()
	if err != nil {
		return nil, err
	}
	for p.peek("and") {
		p.pos++
		r, err := p.atom()
		if err != nil {
			return nil, err
		}
		l = boolFilter{and: true, l: l, r: r}
	}
	return l, nil
}

func (p *parser) atom() (filter, error) {
	if p.peek("(") {
		p.pos++
		f, err := p.or()
		if err != nil {
			return nil, err
		}
		return f, p.expect(")")
	}
	if p.peek("startswith") {
		p.pos++
		if err := p.expect("("); err != nil {
			return nil, err
		}
		field, err := p.ident()
		if err != nil {
			return nil, err
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		return eqFilter{field: field, values: []string{v}, prefix: true}, p.expect(")")
	}
	field, err := p.ident()
	if err != nil {
		return nil, err
	}
	switch {
	case p.peek("eq"):
		p.pos++
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		return eqFilter{field: field, values: []string{v}}, nil
	case p.peek("in"):
		p.pos++
		if err := p.expect("("); err != nil {
			return nil, err
		}
		var vs []string
		for {
			v, err := p.literal()
			if err != nil {
				return nil, err
			}
			vs = append(vs, v)
			if p.peek(",") {
				p.pos++
				continue
			}
			break
		}
		return eqFilter{field: field, values: vs}, p.expect(")")
	}
	return nil, fmt.Errorf("unsupported operator after %q", field)
}
