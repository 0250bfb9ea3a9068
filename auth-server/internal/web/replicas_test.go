package web_test

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"

	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/redistest"
)

// TestLoginThrottleSharedByReplicas: wrong passwords for one account from
// one address, alternating between two auth-servers on one Redis Cluster,
// meet the pair's limit of five together: the sixth is refused with 429
// and Retry-After, whichever replica it reaches.
func TestLoginThrottleSharedByReplicas(t *testing.T) {
	c := redistest.StartCluster(t, 3)
	kek := make([]byte, 32)
	rand.Read(kek)
	prefix := "smartgate-test:" + rand.Text() + ":"
	onCluster := func(cfg *config.Config) {
		cfg.Redis.ClusterAddrs, cfg.RedisKeyPrefix = c.Addrs(), prefix
		cfg.Keys.EncryptionKey = base64.StdEncoding.EncodeToString(kek)
	}
	replicas := []*browser{start(t, onCluster).browser(t), start(t, onCluster).browser(t)}
	csrf := []string{replicas[0].signInForm(), replicas[1].signInForm()}
	for i := range 6 {
		r := replicas[i%2].loginFrom(csrf[i%2], "", "demo-patient", "wrong-password")
		want := http.StatusUnauthorized
		if i == 5 {
			want = http.StatusTooManyRequests
		}
		wantStatus(t, fmt.Sprintf("failure %d on replica %d", i+1, i%2), r, want)
	}
}
