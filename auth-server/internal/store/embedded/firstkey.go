package embedded

import (
	"context"
	"encoding/json"

	"github.com/smartgate/auth-server/internal/store"
)

// CreateFirstKey stores k unless a key is active (its document has no
// retired_at), in one statement; see store.KeyStore.
func (s *Store) CreateFirstKey(ctx context.Context, k *store.SigningKey) error {
	doc, err := json.Marshal(k)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO signing_keys (id, created_at, doc)
		 SELECT ?, ?, ? WHERE NOT EXISTS (
		   SELECT 1 FROM signing_keys WHERE json_extract(CAST(doc AS TEXT), '$.retired_at') IS NULL)
		 ON CONFLICT (id) DO NOTHING`,
		k.ID, nanos(k.CreatedAt), doc)
	return affected(res, err, store.ErrConflict)
}
