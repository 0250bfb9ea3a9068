package token

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

const (
	// maxFeedBytes bounds one answer of the feed.
	maxFeedBytes = 16 << 20
	// maxFeedPages bounds the answers one poll follows.
	maxFeedPages = 1000
)

// follow fetches the feed from cursor until an answer says no more follow.
func (f *RevocationFeed) follow(ctx context.Context, cursor string) ([]*FeedDocument, error) {
	var pages []*FeedDocument
	for len(pages) < maxFeedPages {
		doc, err := f.fetch(ctx, cursor)
		if err != nil {
			return nil, err
		}
		pages = append(pages, doc)
		if !doc.More || doc.Cursor == "" {
			return pages, nil
		}
		cursor = doc.Cursor
	}
	return nil, fmt.Errorf("revocation feed: more than %d answers in one poll", maxFeedPages)
}

// fetch reads one answer of the feed after cursor ("" from the start).
func (f *RevocationFeed) fetch(ctx context.Context, cursor string) (*FeedDocument, error) {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Interval+10*time.Second)
	defer cancel()
	u, err := url.Parse(f.cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("revocation feed: %w", err)
	}
	if cursor != "" {
		q := u.Query()
		q.Set("since", cursor)
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if f.cfg.Authorize != nil {
		f.cfg.Authorize(req)
	}
	res, err := f.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("revocation feed answered %s", res.Status)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxFeedBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxFeedBytes {
		return nil, fmt.Errorf("revocation feed answer larger than %d bytes", maxFeedBytes)
	}
	return decodeFeed(body)
}

// decodeFeed reads an answer. "revoked" must be present (so an unrelated
// JSON answer is not taken for an empty list); null counts as empty.
// "revoked_clients" and the cursor may be absent (older auth servers).
func decodeFeed(body []byte) (*FeedDocument, error) {
	var probe struct {
		Revoked json.RawMessage `json:"revoked"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, fmt.Errorf("revocation feed: %w", err)
	}
	if probe.Revoked == nil {
		return nil, errors.New(`revocation feed: no "revoked" list`)
	}
	var doc FeedDocument
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("revocation feed: %w", err)
	}
	return &doc, nil
}
