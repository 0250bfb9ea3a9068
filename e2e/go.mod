module github.com/smartgate/e2e

go 1.26.0

require golang.org/x/oauth2 v0.37.0

require (
	github.com/goccy/go-json v0.10.6 // indirect
	github.com/lestrrat-go/jwx/v2 v2.1.7 // indirect
	github.com/lestrrat-go/option v1.0.1 // indirect
	github.com/segmentio/asm v1.2.1 // indirect
	golang.org/x/sys v0.46.0 // indirect
)
