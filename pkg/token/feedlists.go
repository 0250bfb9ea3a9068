package token

// maxFeedEntries bounds the entries a RevocationFeed holds (jtis and
// clients together, about 150 bytes each): a poll that would hold more
// fails, so the lists are never silently incomplete. The auth server
// compacts each client's entries, so only about a thousand clients each
// revoking past its threshold could reach it.
const maxFeedEntries = 1_000_000

// feedLists are the revoked jtis and clients a RevocationFeed holds.
type feedLists struct {
	jtis    map[string]revokedJTI
	clients map[string]clientCutoff
}

type revokedJTI struct {
	exp, iat int64  // iat is 0 unless client is set
	client   string // set when a client entry may cover this one
}

type clientCutoff struct {
	before, exp int64
}

func newFeedLists() *feedLists {
	return &feedLists{jtis: map[string]revokedJTI{}, clients: map[string]clientCutoff{}}
}

// addAll merges pages of the feed, keeping the later of each time, then
// drops the jtis their client entries cover (as the auth server did when
// it compacted them).
func (l *feedLists) addAll(pages []*FeedDocument) {
	clients := false
	for _, p := range pages {
		l.add(p)
		clients = clients || len(p.RevokedClients) > 0
	}
	if clients {
		l.dropCovered()
	}
}

func (l *feedLists) add(doc *FeedDocument) {
	for _, r := range doc.Revoked {
		if r.ID == "" {
			continue
		}
		e := revokedJTI{exp: r.Expiry, iat: r.IssuedAt, client: r.ClientID}
		if e.iat == 0 {
			e.client = ""
		}
		if cur, ok := l.jtis[r.ID]; ok {
			e.exp = max(e.exp, cur.exp)
		}
		l.jtis[r.ID] = e
	}
	for _, r := range doc.RevokedClients {
		if r.ClientID == "" {
			continue
		}
		cur := l.clients[r.ClientID]
		l.clients[r.ClientID] = clientCutoff{before: max(cur.before, r.Before), exp: max(cur.exp, r.Expiry)}
	}
}

func (l *feedLists) dropCovered() {
	for id, e := range l.jtis {
		if c, ok := l.clients[e.client]; ok && e.client != "" && e.iat <= c.before {
			delete(l.jtis, id)
		}
	}
}

// prune drops the entries that expired before cutoff (Unix seconds).
func (l *feedLists) prune(cutoff int64) {
	for id, e := range l.jtis {
		if e.exp < cutoff {
			delete(l.jtis, id)
		}
	}
	for id, c := range l.clients {
		if c.exp < cutoff {
			delete(l.clients, id)
		}
	}
}

func (l *feedLists) revoked(c *Claims) bool {
	if _, ok := l.jtis[c.ID]; ok {
		return true
	}
	cut, ok := l.clients[c.ClientID]
	return ok && c.IssuedAt <= cut.before
}

func (l *feedLists) len() int { return len(l.jtis) + len(l.clients) }
