package main

import (
	"fmt"
	"strings"
)

// step is one navigation step of a parsed FHIRPath expression.
type step struct {
	Name       string // element name, e.g. "subject" or "value" (a choice)
	As         string // type named by .as(T), "" when absent
	Is         string // type named by .is(T): the step yields a boolean
	Exists     bool   // .exists(): the step yields a boolean
	WhereKey   string // .where(key='value')
	WhereValue string
}

// parsedPath is one union branch: a root type followed by steps.
type parsedPath struct {
	Root  string
	Steps []step
}

// parseExpression splits a FHIRPath expression into union branches and
// parses each. It supports the subset the STU3 definitions use: member
// paths, "|", .as(T), .is(T), .exists() and .where(field='literal').
func parseExpression(expr string) ([]parsedPath, error) {
	var out []parsedPath
	for _, branch := range strings.Split(expr, "|") {
		p, err := parseBranch(strings.TrimSpace(branch))
		if err != nil {
			return nil, fmt.Errorf("%q: %w", branch, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func parseBranch(s string) (parsedPath, error) {
	parts, err := splitDots(s)
	if err != nil {
		return parsedPath{}, err
	}
	p := parsedPath{Root: parts[0]}
	for _, part := range parts[1:] {
		name, arg, isCall := cutCall(part)
		if !isCall {
			p.Steps = append(p.Steps, step{Name: part})
			continue
		}
		if len(p.Steps) == 0 {
			return p, fmt.Errorf("function %s on the root", name)
		}
		last := &p.Steps[len(p.Steps)-1]
		switch name {
		case "as":
			last.As = arg
		case "is":
			last.Is = arg
		case "exists":
			last.Exists = true
		case "where":
			k, v, ok := strings.Cut(arg, "=")
			if !ok || !strings.HasPrefix(v, "'") || !strings.HasSuffix(v, "'") {
				return p, fmt.Errorf("unsupported where(%s)", arg)
			}
			last.WhereKey, last.WhereValue = strings.TrimSpace(k), strings.Trim(v, "'")
		default:
			return p, fmt.Errorf("unsupported function %s()", name)
		}
	}
	return p, nil
}

// splitDots splits on dots outside parentheses.
func splitDots(s string) ([]string, error) {
	var parts []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case '.':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced parentheses")
	}
	return append(parts, s[start:]), nil
}

// cutCall splits "as(Quantity)" into "as", "Quantity", true.
func cutCall(part string) (name, arg string, ok bool) {
	i := strings.IndexByte(part, '(')
	if i < 0 || !strings.HasSuffix(part, ")") {
		return part, "", false
	}
	return part[:i], strings.TrimSpace(part[i+1 : len(part)-1]), true
}
